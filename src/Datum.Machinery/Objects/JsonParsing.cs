using System.Text.Json;
using System.Text.Json.Nodes;

namespace Datum.Machinery.Objects;

/// <summary>
/// Parses JSON the way Kubernetes' decoder treats it: a repeated field keeps its last value, and every
/// repetition is reported by path so <c>fieldValidation</c> can reject or warn about it.
/// </summary>
public static class JsonParsing
{
    /// <summary>Parses <paramref name="utf8"/>; <paramref name="duplicates"/> gets the paths of repeated fields.</summary>
    /// <exception cref="JsonException">The input is not JSON.</exception>
    public static JsonNode? Parse(ReadOnlySpan<byte> utf8, List<string> duplicates)
    {
        var reader = new Utf8JsonReader(utf8, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Disallow });
        if (!reader.Read()) throw new JsonException("the document is empty");
        var node = ReadValue(ref reader, [], duplicates);
        if (reader.Read()) throw new JsonException($"unexpected data after the end of the JSON value at byte {reader.TokenStartIndex}");
        return node;
    }

    // A step of the path to the value being read: a field name, or (Name null) a list index. The path is only
    // spelled out for a repeated field, not for every value of every request.
    private readonly record struct Step(string? Name, int Index);

    private static string Spell(List<Step> path)
    {
        var text = new System.Text.StringBuilder();
        foreach (var step in path)
        {
            if (step.Name is null) text.Append('[').Append(step.Index.ToString(System.Globalization.CultureInfo.InvariantCulture)).Append(']');
            else if (text.Length == 0) text.Append(step.Name);
            else text.Append('.').Append(step.Name);
        }
        return text.ToString();
    }

    private static JsonNode? ReadValue(ref Utf8JsonReader reader, List<Step> path, List<string> duplicates)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.StartObject:
                var obj = new JsonObject();
                while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
                {
                    var name = reader.GetString()!;
                    reader.Read();
                    path.Add(new Step(name, 0));
                    var value = ReadValue(ref reader, path, duplicates);
                    if (obj.ContainsKey(name))
                    {
                        duplicates.Add(Spell(path));
                        obj.Remove(name);
                    }
                    path.RemoveAt(path.Count - 1);
                    obj[name] = value;
                }
                return obj;
            case JsonTokenType.StartArray:
                var array = new JsonArray();
                var index = 0;
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                {
                    path.Add(new Step(null, index++));
                    array.Add(ReadValue(ref reader, path, duplicates));
                    path.RemoveAt(path.Count - 1);
                }
                return array;
            case JsonTokenType.String:
                return JsonValue.Create(reader.GetString());
            case JsonTokenType.Number:
                // Kept as the literal (an element of its own small document), so 1.0 and 10000000000000000000001 write back as sent.
                return JsonValue.Create(JsonElement.ParseValue(ref reader));
            case JsonTokenType.True:
                return JsonValue.Create(true);
            case JsonTokenType.False:
                return JsonValue.Create(false);
            case JsonTokenType.Null:
                return null;
            default:
                throw new JsonException($"unexpected token {reader.TokenType} at byte {reader.TokenStartIndex}");
        }
    }
}
