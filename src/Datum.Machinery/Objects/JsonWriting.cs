using System.Text.Encodings.Web;
using System.Text.Json;

namespace Datum.Machinery.Objects;

/// <summary>Writer settings for every JSON the server emits: compact, and quotes as <c>\"</c> the way Kubernetes writes them.</summary>
public static class JsonWriting
{
    /// <summary>Options for <see cref="Utf8JsonWriter"/>. Responses are never embedded in HTML, so the relaxed encoder is safe.</summary>
    public static JsonWriterOptions Options { get; } = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, SkipValidation = false };
}
