using System.Net;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;
using System.Threading.Channels;

namespace Datum.Testing;

/// <summary>One HTTP answer with its body parsed as JSON when it is JSON.</summary>
public sealed record ApiResponse(HttpStatusCode Status, string Text, JsonNode? Json, HttpResponseMessage Message)
{
    public JsonObject Object => Json as JsonObject ?? throw new Xunit.Sdk.XunitException($"expected a JSON object, got {(int)Status}: {Text}");

    public IReadOnlyList<string> Warnings => Message.Headers.TryGetValues("Warning", out var values) ? values.ToList() : [];

    public override string ToString() => $"{(int)Status} {Text}";
}
