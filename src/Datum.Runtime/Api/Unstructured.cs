using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace Datum.Runtime.Api;

/// <summary>
/// Any kind without a CLR type: typed metadata plus every other top-level field (<c>spec</c>, <c>status</c>,
/// <c>data</c> …) as JSON in <see cref="Content"/>. Used with <c>client.Resource(resourceType)</c>.
/// </summary>
[JsonConverter(typeof(UnstructuredConverter))]
public sealed record Unstructured : IKubeObject
{
    /// <inheritdoc />
    public string? ApiVersion { get; set; }

    /// <inheritdoc />
    public string? Kind { get; set; }

    /// <inheritdoc />
    public ObjectMeta Metadata { get; set; } = new();

    /// <summary>Every top-level field except apiVersion, kind and metadata.</summary>
    public JsonObject Content { get; set; } = new();

    /// <summary>A top-level field (<c>spec</c>, <c>status</c> …) or null.</summary>
    public JsonNode? this[string field]
    {
        get => Content[field];
        set => Content[field] = value;
    }
}

/// <summary>Reads and writes <see cref="Unstructured"/> as the plain object.</summary>
public sealed class UnstructuredConverter : JsonConverter<Unstructured>
{
    /// <inheritdoc />
    public override Unstructured Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        var obj = JsonNode.Parse(ref reader) as JsonObject ?? throw new JsonException("an object was expected");
        var result = new Unstructured
        {
            ApiVersion = obj["apiVersion"]?.GetValue<string>(),
            Kind = obj["kind"]?.GetValue<string>(),
            Metadata = obj["metadata"]?.Deserialize(RuntimeJsonContext.Default.ObjectMeta) ?? new ObjectMeta(),
        };
        obj.Remove("apiVersion");
        obj.Remove("kind");
        obj.Remove("metadata");
        result.Content = obj;
        return result;
    }

    /// <inheritdoc />
    public override void Write(Utf8JsonWriter writer, Unstructured value, JsonSerializerOptions options)
    {
        writer.WriteStartObject();
        if (value.ApiVersion is not null) writer.WriteString("apiVersion", value.ApiVersion);
        if (value.Kind is not null) writer.WriteString("kind", value.Kind);
        writer.WritePropertyName("metadata");
        JsonSerializer.Serialize(writer, value.Metadata, RuntimeJsonContext.Default.ObjectMeta);
        foreach (var (key, node) in value.Content)
        {
            if (key is "apiVersion" or "kind" or "metadata") continue;
            writer.WritePropertyName(key);
            if (node is null) writer.WriteNullValue();
            else node.WriteTo(writer);
        }
        writer.WriteEndObject();
    }
}
