using System.Net;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;
using System.Threading.Channels;

namespace Datum.Testing;

/// <summary>Small accessors for JSON test assertions.</summary>
public static class Json
{
    public static string? Str(this JsonNode? node, string dottedPath) => At(node, dottedPath)?.ToString();

    public static JsonNode? At(this JsonNode? node, string dottedPath)
    {
        foreach (var part in dottedPath.Split('.'))
        {
            if (node is not JsonObject obj) return null;
            node = obj[part];
        }
        return node;
    }

    public static long Long(this JsonNode? node, string dottedPath) => At(node, dottedPath) is JsonValue v ? long.Parse(v.ToString(), System.Globalization.CultureInfo.InvariantCulture) : throw new Xunit.Sdk.XunitException($"no number at {dottedPath} in {node?.ToJsonString()}");

    public static JsonObject Obj(string json) => (JsonObject)JsonNode.Parse(json)!;
}
