using System.Text.Json;
using System.Text.Json.Nodes;

namespace Datum.Machinery.Patch;

/// <summary>JSON Patch (RFC 6902), as used for <c>application/json-patch+json</c>.</summary>
public static class JsonPatch
{
    /// <summary>
    /// Applies the operations in <paramref name="patch"/> (a JSON array) to
    /// <paramref name="document"/> in order and returns the new document; inputs are not modified.
    /// Supports add, remove, replace, move, copy and test with RFC 6901 pointers (<c>~0</c>,
    /// <c>~1</c>, and <c>-</c> to append to an array). The operations are all-or-nothing.
    /// </summary>
    /// <exception cref="PatchException">
    /// <see cref="PatchErrorKind.Malformed"/> when the patch is not a valid JSON Patch document;
    /// <see cref="PatchErrorKind.Failed"/> when an operation cannot be applied (missing path,
    /// index out of range, failed test).
    /// </exception>
    public static JsonNode? Apply(JsonNode? document, JsonNode? patch)
    {
        if (patch is not JsonArray operations)
        {
            throw new PatchException(PatchErrorKind.Malformed, "a JSON patch must be a JSON array of operations");
        }

        var state = new PatchState(document?.DeepClone());
        for (var index = 0; index < operations.Count; index++)
        {
            ApplyOperation(state, operations[index], index);
        }
        return state.Root;
    }

    private sealed class PatchState(JsonNode? root)
    {
        public JsonNode? Root { get; set; } = root;
    }

    private static void ApplyOperation(PatchState state, JsonNode? node, int index)
    {
        if (node is not JsonObject operation)
        {
            throw new PatchException(PatchErrorKind.Malformed, $"JSON patch operation {index} is not an object");
        }

        var op = RequiredString(operation, "op", index, null);
        var pathText = RequiredString(operation, "path", index, op);
        var path = ParsePointer(pathText, index, op, "path");
        var context = new OpContext(index, op, pathText);

        switch (op)
        {
            case "add":
                Add(state, path, RequiredValue(operation, context).DeepCloneOrNull(), context);
                break;
            case "remove":
                Remove(state, path, context);
                break;
            case "replace":
            {
                var value = RequiredValue(operation, context).DeepCloneOrNull();
                Get(state, path, context, "path");
                Remove(state, path, context);
                Add(state, path, value, context);
                break;
            }
            case "move":
            {
                var fromText = RequiredString(operation, "from", index, op);
                var from = ParsePointer(fromText, index, op, "from");
                if (from.IsProperPrefixOf(path))
                {
                    throw context.Fail($"cannot move {fromText} into its own child {pathText}");
                }
                var value = Get(state, from, context, "from");
                if (fromText == pathText)
                {
                    break;
                }
                Remove(state, from, context);
                Add(state, path, value, context);
                break;
            }
            case "copy":
            {
                var fromText = RequiredString(operation, "from", index, op);
                var from = ParsePointer(fromText, index, op, "from");
                var value = Get(state, from, context, "from").DeepCloneOrNull();
                Add(state, path, value, context);
                break;
            }
            case "test":
            {
                var expected = RequiredValue(operation, context);
                var actual = Get(state, path, context, "path");
                if (!JsonNode.DeepEquals(actual, expected))
                {
                    throw context.Fail(
                        $"test failed: value at {pathText} is {Render(actual)}, expected {Render(expected)}");
                }
                break;
            }
            default:
                throw new PatchException(
                    PatchErrorKind.Malformed,
                    $"JSON patch operation {index}: unknown op \"{op}\" (expected add, remove, replace, move, copy or test)");
        }
    }

    private readonly record struct OpContext(int Index, string Op, string Path)
    {
        public PatchException Fail(string detail) =>
            new(PatchErrorKind.Failed, $"JSON patch operation {Index} ({Op} {Path}): {detail}");
    }

    private static string Render(JsonNode? node) => node is null ? "null" : node.ToJsonString();

    private static JsonNode? DeepCloneOrNull(this JsonNode? node) => node?.DeepClone();

    private static string RequiredString(JsonObject operation, string member, int index, string? op)
    {
        var where = op is null ? $"JSON patch operation {index}" : $"JSON patch operation {index} ({op})";
        if (!operation.TryGetPropertyValue(member, out var node) || node is null)
        {
            throw new PatchException(PatchErrorKind.Malformed, $"{where}: missing \"{member}\"");
        }
        if (node is not JsonValue value || value.GetValueKind() != JsonValueKind.String)
        {
            throw new PatchException(PatchErrorKind.Malformed, $"{where}: \"{member}\" must be a string");
        }
        return value.GetValue<string>();
    }

    private static JsonNode? RequiredValue(JsonObject operation, OpContext context)
    {
        // A present "value": null is valid and means the JSON null literal.
        if (!operation.TryGetPropertyValue("value", out var value))
        {
            throw new PatchException(
                PatchErrorKind.Malformed,
                $"JSON patch operation {context.Index} ({context.Op} {context.Path}): missing \"value\"");
        }
        return value;
    }

    private static JsonPointer ParsePointer(string text, int index, string op, string member)
    {
        return JsonPointer.TryParse(text) ?? throw new PatchException(
            PatchErrorKind.Malformed,
            $"JSON patch operation {index} ({op}): \"{member}\" is not a valid JSON pointer: \"{text}\"");
    }

    private static JsonNode? Get(PatchState state, JsonPointer pointer, OpContext context, string member)
    {
        var current = state.Root;
        foreach (var token in pointer.Tokens)
        {
            if (!TryChild(current, token, out current))
            {
                throw context.Fail($"{member} {pointer.Text} does not exist");
            }
        }
        return current;
    }

    // "Found" is separate from the value because a member can be present and hold JSON null.
    private static bool TryChild(JsonNode? parent, string token, out JsonNode? child)
    {
        switch (parent)
        {
            case JsonObject obj:
                return obj.TryGetPropertyValue(token, out child);
            case JsonArray array:
                var index = JsonPointer.ParseIndex(token);
                if (index < 0 || index >= array.Count)
                {
                    child = null;
                    return false;
                }
                child = array[index];
                return true;
            default:
                child = null;
                return false;
        }
    }

    private static JsonNode ResolveParent(PatchState state, JsonPointer pointer, OpContext context)
    {
        JsonNode? current = state.Root;
        for (var i = 0; i < pointer.Tokens.Count - 1; i++)
        {
            if (!TryChild(current, pointer.Tokens[i], out current) || current is null)
            {
                throw context.Fail($"the parent of {pointer.Text} does not exist");
            }
        }
        if (current is JsonObject or JsonArray)
        {
            return current;
        }
        throw context.Fail($"the parent of {pointer.Text} is not an object or array");
    }

    private static void Add(PatchState state, JsonPointer pointer, JsonNode? value, OpContext context)
    {
        if (pointer.IsRoot)
        {
            state.Root = value;
            return;
        }
        var parent = ResolveParent(state, pointer, context);
        var token = pointer.Tokens[^1];
        if (parent is JsonObject obj)
        {
            obj[token] = value;
            return;
        }

        var array = (JsonArray)parent;
        if (token == "-")
        {
            array.Add(value);
            return;
        }
        var index = JsonPointer.ParseIndex(token);
        if (index < 0 || index > array.Count)
        {
            throw context.Fail($"array index {token} is out of range (the array has {array.Count} items)");
        }
        array.Insert(index, value);
    }

    private static void Remove(PatchState state, JsonPointer pointer, OpContext context)
    {
        if (pointer.IsRoot)
        {
            state.Root = null;
            return;
        }
        var parent = ResolveParent(state, pointer, context);
        var token = pointer.Tokens[^1];
        if (parent is JsonObject obj)
        {
            if (!obj.Remove(token))
            {
                throw context.Fail($"path {pointer.Text} does not exist");
            }
            return;
        }

        var array = (JsonArray)parent;
        var index = JsonPointer.ParseIndex(token);
        if (index < 0 || index >= array.Count)
        {
            throw context.Fail($"array index {token} is out of range (the array has {array.Count} items)");
        }
        array.RemoveAt(index);
    }
}
