using Microsoft.AspNetCore.Http;

namespace Datum.Server.Http;

/// <summary>What shape the client asked for in <c>Accept</c>: plain objects, a Table, or metadata only.</summary>
public enum OutputShape
{
    /// <summary>The objects themselves.</summary>
    Object,
    /// <summary><c>meta.k8s.io Table</c> (server-side printing for <c>kubectl get</c>).</summary>
    Table,
    /// <summary><c>PartialObjectMetadata</c> / <c>PartialObjectMetadataList</c>.</summary>
    Metadata,
}

/// <summary>The negotiated response shape and the meta.k8s.io version it is written in.</summary>
public readonly record struct OutputFormat(OutputShape Shape, string MetaVersion)
{
    /// <summary>Plain JSON objects.</summary>
    public static OutputFormat Plain => new(OutputShape.Object, "v1");

    /// <summary>
    /// True when Accept lists plain <c>application/vnd.kubernetes.protobuf</c> before any JSON or wildcard
    /// entry, as client-go typed clients send it (<c>application/vnd.kubernetes.protobuf,application/json</c>).
    /// Protobuf entries with <c>as=</c> (Table, PartialObjectMetadata) are not produced here and are skipped.
    /// </summary>
    public static bool PrefersProtobuf(HttpRequest request)
    {
        var accept = request.Headers.Accept.ToString();
        if (!accept.Contains("protobuf", StringComparison.Ordinal)) return false;
        foreach (var entry in accept.Split(','))
        {
            var parts = entry.Split(';', StringSplitOptions.TrimEntries);
            if (parts[0] is "application/json" or "*/*" or "application/*") return false;
            if (parts[0] == Datum.Machinery.Protobuf.KubernetesProtobuf.MediaType && !parts.Skip(1).Any(p => p.StartsWith("as=", StringComparison.Ordinal))) return true;
        }
        return false;
    }

    /// <summary>
    /// Picks the first Accept entry this server can produce, as the apiserver does; entries it cannot produce
    /// (protobuf, CBOR) are skipped, and anything else falls back to plain JSON.
    /// </summary>
    public static OutputFormat Negotiate(HttpRequest request, bool forList)
    {
        var accept = request.Headers.Accept.ToString();
        if (accept.Length == 0 || !accept.Contains("as=", StringComparison.Ordinal)) return Plain;
        foreach (var entry in accept.Split(','))
        {
            var parts = entry.Split(';', StringSplitOptions.TrimEntries);
            if (parts[0] is not ("application/json" or "*/*" or "application/*")) continue;
            string? @as = null, g = null, v = null;
            foreach (var parameter in parts.Skip(1))
            {
                var eq = parameter.IndexOf('=');
                if (eq < 0) continue;
                var value = parameter[(eq + 1)..];
                switch (parameter[..eq])
                {
                    case "as": @as = value; break;
                    case "g": g = value; break;
                    case "v": v = value; break;
                }
            }
            if (@as is null) return Plain;
            if (g != "meta.k8s.io" || v is not ("v1" or "v1beta1")) continue;
            if (@as == "Table") return new OutputFormat(OutputShape.Table, v);
            if (@as == (forList ? "PartialObjectMetadataList" : "PartialObjectMetadata")) return new OutputFormat(OutputShape.Metadata, v);
        }
        return Plain;
    }
}
