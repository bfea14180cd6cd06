using System.Text;
using Microsoft.AspNetCore.Http;

namespace Datum.Server.OpenApi;

/// <summary>
/// A valid but empty OpenAPI v2 document in the gnostic protobuf form client-go asks for. kubectl falls back
/// to v2 for what v3 cannot answer (a <c>v1 List</c> manifest, say) and fails hard when v2 is missing; an empty
/// document makes its client-side validation pass through, and the server validates each object anyway.
/// JSON requests still get 404, so nothing mistakes this for a real v2 schema.
/// </summary>
public static class OpenApiV2Stub
{
    private const string ProtobufType = "application/com.github.proto-openapi.spec.v2.v1.0+protobuf";

    // Document { swagger = 1: "2.0", info = 2: Info { title = 1, version = 2 }, paths = 8: Paths {} }
    private static readonly byte[] Document = Build();

    /// <summary>Whether the request asks for the protobuf form.</summary>
    public static bool Wants(HttpRequest request) =>
        request.Headers.Accept.ToString().Contains("proto-openapi", StringComparison.Ordinal);

    /// <summary>Writes the document.</summary>
    public static Task WriteAsync(HttpContext context, CancellationToken ct)
    {
        context.Response.StatusCode = 200;
        context.Response.ContentType = ProtobufType;
        context.Response.ContentLength = Document.Length;
        return context.Response.Body.WriteAsync(Document, ct).AsTask();
    }

    private static byte[] Build()
    {
        var info = Concat(Field(1, "Kubernetes"), Field(2, Http.VersionInfo.KubernetesVersion));
        return Concat(Field(1, "2.0"), Field(2, info), Field(8, []));
    }

    private static byte[] Field(int number, string value) => Field(number, Encoding.UTF8.GetBytes(value));

    private static byte[] Field(int number, byte[] payload)
    {
        // Every payload here is shorter than 128 bytes, so the length fits one varint byte.
        var result = new byte[payload.Length + 2];
        result[0] = (byte)((number << 3) | 2);
        result[1] = (byte)payload.Length;
        payload.CopyTo(result, 2);
        return result;
    }

    private static byte[] Concat(params byte[][] parts) => parts.SelectMany(p => p).ToArray();
}
