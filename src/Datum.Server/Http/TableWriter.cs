using System.Text.Json;
using System.Text.Json.Nodes;
using Datum.Machinery.Objects;
using Datum.Server.Registry;
using Datum.Storage;

namespace Datum.Server.Http;

/// <summary>
/// Server-side printing: turns objects into a <c>meta.k8s.io Table</c> from the kind's printer columns (plus
/// NAME first and AGE last, as kubectl expects), and into PartialObjectMetadata for metadata-only clients.
/// </summary>
public static class TableWriter
{
    /// <summary>A Table of <paramref name="items"/>.</summary>
    public static byte[] Table(ResourceDefinition definition, IEnumerable<StoredObject> items, OutputFormat format, string? includeObject, long? listRevision, string? continueToken, TimeProvider time) =>
        ResponseWriter.Build(w =>
        {
            var now = time.GetUtcNow();
            w.WriteStartObject();
            w.WriteString("kind", "Table");
            w.WriteString("apiVersion", $"meta.k8s.io/{format.MetaVersion}");
            w.WriteStartObject("metadata");
            if (listRevision is { } rv) w.WriteString("resourceVersion", ObjectEncoding.Rv(rv));
            if (continueToken is not null) w.WriteString("continue", continueToken);
            w.WriteEndObject();
            w.WriteStartArray("columnDefinitions");
            WriteColumn(w, "Name", "string", "name", "Name must be unique within a namespace.", 0);
            foreach (var column in definition.PrinterColumns)
            {
                WriteColumn(w, column.Name, column.Type, column.Format, column.Description, column.Priority);
            }
            WriteColumn(w, "Age", "string", "", "CreationTimestamp is a timestamp representing the server time when this object was created.", 0);
            w.WriteEndArray();
            w.WriteStartArray("rows");
            foreach (var item in items)
            {
                var obj = ObjectEncoding.Decode(item.Value);
                w.WriteStartObject();
                w.WriteStartArray("cells");
                w.WriteStringValue(ObjectFields.Name(obj));
                foreach (var column in definition.PrinterColumns) WriteCell(w, obj, column);
                w.WriteStringValue(ObjectFields.TryParseTime(ObjectFields.MetaString(obj, "creationTimestamp"), out var created)
                    ? HumanDuration.Format(now - created) : "<unknown>");
                w.WriteEndArray();
                switch (includeObject)
                {
                    case "None":
                        break;
                    case "Object":
                        w.WritePropertyName("object");
                        w.WriteRawValue(item.Value, skipInputValidation: true);
                        break;
                    default:
                        w.WritePropertyName("object");
                        WritePartial(w, obj, format.MetaVersion);
                        break;
                }
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        });

    /// <summary>PartialObjectMetadata of one object.</summary>
    public static byte[] Partial(StoredObject item, string metaVersion) =>
        ResponseWriter.Build(w => WritePartial(w, ObjectEncoding.Decode(item.Value), metaVersion));

    /// <summary>A PartialObjectMetadataList.</summary>
    public static byte[] PartialList(IEnumerable<StoredObject> items, string metaVersion, long revision, string? continueToken) =>
        ResponseWriter.Build(w =>
        {
            w.WriteStartObject();
            w.WriteString("kind", "PartialObjectMetadataList");
            w.WriteString("apiVersion", $"meta.k8s.io/{metaVersion}");
            w.WriteStartObject("metadata");
            w.WriteString("resourceVersion", ObjectEncoding.Rv(revision));
            if (continueToken is not null) w.WriteString("continue", continueToken);
            w.WriteEndObject();
            w.WriteStartArray("items");
            foreach (var item in items) WritePartial(w, ObjectEncoding.Decode(item.Value), metaVersion);
            w.WriteEndArray();
            w.WriteEndObject();
        });

    private static void WritePartial(Utf8JsonWriter w, JsonObject obj, string metaVersion)
    {
        w.WriteStartObject();
        w.WriteString("kind", "PartialObjectMetadata");
        w.WriteString("apiVersion", $"meta.k8s.io/{metaVersion}");
        w.WritePropertyName("metadata");
        (obj["metadata"] ?? new JsonObject()).WriteTo(w);
        w.WriteEndObject();
    }

    private static void WriteColumn(Utf8JsonWriter w, string name, string type, string format, string description, int priority)
    {
        w.WriteStartObject();
        w.WriteString("name", name);
        w.WriteString("type", type);
        w.WriteString("format", format);
        w.WriteString("description", description);
        w.WriteNumber("priority", priority);
        w.WriteEndObject();
    }

    private static void WriteCell(Utf8JsonWriter w, JsonObject obj, PrinterColumn column)
    {
        var value = column.Compute is { } compute ? compute(obj) : JsonPathValue(obj, column.JsonPath);
        switch (value)
        {
            case null:
                w.WriteNullValue();
                return;
            case JsonObject map when column.Type == "integer":
                w.WriteNumberValue(map.Count);
                return;
            case JsonArray list when column.Type == "integer":
                w.WriteNumberValue(list.Count);
                return;
            case JsonValue scalar when column.Type == "date" && ObjectFields.TryParseTime(scalar.ToString(), out var when):
                w.WriteStringValue(HumanDuration.Format(DateTimeOffset.UtcNow - when));
                return;
            case JsonValue scalar:
                scalar.WriteTo(w);
                return;
            default:
                w.WriteStringValue(value.ToJsonString());
                return;
        }
    }

    /// <summary>Evaluates the simple JSONPath subset printer columns use: <c>.a.b</c>, <c>.a[0].b</c>, <c>.a[?(@.type=="Ready")].status</c>.</summary>
    public static JsonNode? JsonPathValue(JsonObject obj, string path)
    {
        JsonNode? node = obj;
        var text = path.Trim().TrimStart('{').TrimEnd('}').TrimStart('$');
        var i = 0;
        while (i < text.Length && node is not null)
        {
            if (text[i] == '.')
            {
                i++;
                var end = i;
                while (end < text.Length && text[end] != '.' && text[end] != '[') end += text[end] == '\\' && end + 1 < text.Length ? 2 : 1;
                // A backslash escapes a dot inside a key (.metadata.annotations.kubernetes\.io/display-name).
                node = node is JsonObject o ? o[text[i..end].Replace("\\.", ".", StringComparison.Ordinal)] : null;
                i = end;
            }
            else if (text[i] == '[')
            {
                var close = text.IndexOf(']', i);
                if (close < 0) return null;
                var index = text[(i + 1)..close];
                node = node is JsonArray array ? Select(array, index) : null;
                i = close + 1;
            }
            else
            {
                return null;
            }
        }
        return node;
    }

    private static JsonNode? Select(JsonArray array, string index)
    {
        if (int.TryParse(index, out var n)) return n >= 0 && n < array.Count ? array[n] : null;
        // Filter form ?(@.field=="value"), the one conditions columns use.
        var filter = index.TrimStart('?').Trim('(', ')');
        var eq = filter.IndexOf("==", StringComparison.Ordinal);
        if (!filter.StartsWith("@.", StringComparison.Ordinal) || eq < 0) return null;
        var field = filter[2..eq];
        var expected = filter[(eq + 2)..].Trim('"', '\'');
        return array.FirstOrDefault(item => item is JsonObject o && o[field]?.ToString() == expected);
    }
}
