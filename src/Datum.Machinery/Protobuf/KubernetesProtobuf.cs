using System.Text;
using System.Text.Json.Nodes;

namespace Datum.Machinery.Protobuf;

/// <summary>
/// Decodes request bodies sent as, and encodes responses in, <c>application/vnd.kubernetes.protobuf</c>:
/// the magic <c>k8s\0</c> followed by a runtime.Unknown envelope whose raw bytes are the generated.proto
/// message of the kind named in its TypeMeta.
/// </summary>
public static class KubernetesProtobuf
{
    /// <summary>The media type of Kubernetes protobuf.</summary>
    public const string MediaType = "application/vnd.kubernetes.protobuf";

    private static ReadOnlySpan<byte> Magic => "k8s\0"u8;

    /// <summary>True when objects (or lists) of this apiVersion and kind have a protobuf schema here.</summary>
    public static bool CanEncode(string apiVersion, string kind) => KubernetesProtoSchemas.Kinds.ContainsKey((apiVersion, kind));

    /// <summary>
    /// Encodes <paramref name="obj"/> (which names its apiVersion and kind) as Go's apiserver would: the magic,
    /// then runtime.Unknown {typeMeta, raw, contentEncoding "", contentType ""}. Maps are written sorted by key,
    /// times as {seconds, nanos}, FieldsV1 as its JSON bytes, and zero values of omitempty fields are left out.
    /// apiVersion and kind of list items are dropped (the protobuf items carry no TypeMeta).
    /// </summary>
    /// <exception cref="ProtobufEncodeException">
    /// The kind has no schema, or the object holds a field or value its schema does not describe.
    /// </exception>
    public static byte[] Encode(JsonObject obj)
    {
        ArgumentNullException.ThrowIfNull(obj);
        var apiVersion = obj["apiVersion"] is JsonValue av && av.TryGetValue<string>(out var a) ? a : string.Empty;
        var kind = obj["kind"] is JsonValue kv && kv.TryGetValue<string>(out var k) ? k : string.Empty;
        if (!KubernetesProtoSchemas.Kinds.TryGetValue((apiVersion, kind), out var type))
        {
            throw new ProtobufEncodeException($"protobuf is not supported for {kind} in {apiVersion}");
        }
        var raw = ProtoJsonEncoder.EncodeMessage(obj, type);

        var typeMeta = new ProtoOutput();
        typeMeta.String(1, apiVersion);
        typeMeta.String(2, kind);
        var unknown = new ProtoOutput();
        unknown.Raw(Magic);
        unknown.Message(1, typeMeta);
        unknown.Message(2, raw);
        unknown.String(3, string.Empty);
        unknown.String(4, string.Empty);
        return unknown.WrittenSpan.ToArray();
    }

    /// <summary>True when <paramref name="body"/> starts with the Kubernetes protobuf magic bytes.</summary>
    public static bool HasMagic(ReadOnlySpan<byte> body) => body.StartsWith(Magic);

    /// <summary>
    /// Returns the JSON object a client would have sent for the same object: apiVersion, kind,
    /// metadata and the kind's fields, with zero-valued omitempty fields left out, maps as objects,
    /// bytes as base64 strings, times as RFC 3339 UTC seconds and managedFields' fieldsV1 as JSON.
    /// Supported: v1 ConfigMap, Secret, Namespace, ServiceAccount and their lists; coordination.k8s.io/v1
    /// Lease and LeaseList; authorization.k8s.io/v1 SelfSubjectAccessReview, SelfSubjectRulesReview,
    /// SubjectAccessReview, LocalSubjectAccessReview; authentication.k8s.io/v1 SelfSubjectReview,
    /// TokenRequest, TokenReview. Unknown fields are skipped; list items carry no apiVersion/kind.
    /// </summary>
    /// <exception cref="ProtobufDecodeException">
    /// The bytes are malformed, or (with <see cref="ProtobufDecodeException.IsUnsupportedKind"/>)
    /// the kind is not one of the supported ones.
    /// </exception>
    public static JsonObject Decode(ReadOnlySpan<byte> body)
    {
        if (!HasMagic(body))
        {
            throw new ProtobufDecodeException("the body does not start with the Kubernetes protobuf magic 'k8s\\0'");
        }

        var apiVersion = string.Empty;
        var kind = string.Empty;
        var contentEncoding = string.Empty;
        var raw = ReadOnlySpan<byte>.Empty;

        // runtime.Unknown: typeMeta = 1, raw = 2, contentEncoding = 3, contentType = 4.
        var reader = new ProtoReader(body[Magic.Length..]);
        while (!reader.AtEnd)
        {
            var (number, wireType) = reader.ReadTag();
            if (number is >= 1 and <= 4 && wireType != ProtoReader.WireLengthDelimited)
            {
                throw new ProtobufDecodeException($"runtime.Unknown field {number} has wire type {wireType}, expected 2");
            }
            switch (number)
            {
                case 1:
                    (apiVersion, kind) = ReadTypeMeta(reader.ReadLengthDelimited());
                    break;
                case 2:
                    raw = reader.ReadLengthDelimited();
                    break;
                case 3:
                    contentEncoding = Encoding.UTF8.GetString(reader.ReadLengthDelimited());
                    break;
                default:
                    reader.Skip(wireType);
                    break;
            }
        }

        if (kind.Length == 0)
        {
            throw new ProtobufDecodeException("the protobuf envelope does not name a kind");
        }
        if (contentEncoding.Length != 0)
        {
            throw new ProtobufDecodeException($"unsupported protobuf content encoding \"{contentEncoding}\"", isUnsupportedKind: true);
        }
        if (!KubernetesProtoSchemas.Kinds.TryGetValue((apiVersion, kind), out var type))
        {
            throw new ProtobufDecodeException(
                $"protobuf is not supported for {kind} in {(apiVersion.Length == 0 ? "(no apiVersion)" : apiVersion)}; send JSON instead",
                isUnsupportedKind: true);
        }

        var fields = ProtoJsonDecoder.DecodeMessage(raw, type);
        if (type.Fields.TryGetValue(2, out var items) && items.JsonName == "items" && fields["items"] is null)
        {
            fields["items"] = new JsonArray(); // an empty list has no items on the wire; its JSON says [].
        }
        var result = new JsonObject
        {
            ["apiVersion"] = apiVersion,
            ["kind"] = kind,
        };
        foreach (var name in fields.Select(p => p.Key).ToList())
        {
            var value = fields[name];
            fields.Remove(name);
            result[name] = value;
        }
        return result;
    }

    // runtime.TypeMeta: apiVersion = 1, kind = 2.
    private static (string ApiVersion, string Kind) ReadTypeMeta(ReadOnlySpan<byte> data)
    {
        var apiVersion = string.Empty;
        var kind = string.Empty;
        var reader = new ProtoReader(data);
        while (!reader.AtEnd)
        {
            var (number, wireType) = reader.ReadTag();
            if (number is 1 or 2 && wireType == ProtoReader.WireLengthDelimited)
            {
                var text = Encoding.UTF8.GetString(reader.ReadLengthDelimited());
                if (number == 1)
                {
                    apiVersion = text;
                }
                else
                {
                    kind = text;
                }
            }
            else
            {
                reader.Skip(wireType);
            }
        }
        return (apiVersion, kind);
    }
}
