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
        var node = ReadValue(ref reader, "", duplicates);
        if (reader.Read()) throw new JsonException($"unexpected data after the end of the JSON value at byte {reader.TokenStartIndex}");
        return node;
    }

    private static JsonNode? ReadValue(ref Utf8JsonReader reader, string path, List<string> duplicates)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.StartObject:
                var obj = new JsonObject();
                while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
                {
                    var name = reader.GetString()!;
                    reader.Read();
                    var childPath = path.Length == 0 ? name : $"{path}.{name}";
                    var value = ReadValue(ref reader, childPath, duplicates);
                    if (obj.ContainsKey(name))
                    {
                        duplicates.Add(childPath);
                        obj.Remove(name);
                    }
                    obj[name] = value;
                }
                return obj;
            case JsonTokenType.StartArray:
                var array = new JsonArray();
                var index = 0;
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                {
                    array.Add(ReadValue(ref reader, $"{path}[{index++}]", duplicates));
                }
                return array;
            case JsonTokenType.String:
                return JsonValue.Create(reader.GetString());
            case JsonTokenType.Number:
                using (var number = JsonDocument.ParseValue(ref reader))
                {
                    return JsonValue.Create(number.RootElement.Clone());
                }
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
