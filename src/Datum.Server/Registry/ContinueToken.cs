using System.Buffers.Text;
using System.Text.Json;
using Datum.Machinery.Api;

namespace Datum.Server.Registry;

/// <summary>
/// The opaque <c>continue</c> value of a paginated list: the snapshot revision and the last key returned,
/// relative to the listed prefix so a token cannot reach outside the collection it came from.
/// </summary>
public readonly record struct ContinueToken(long Revision, string StartAfter)
{
    /// <summary>Encodes as base64url JSON.</summary>
    public string Encode()
    {
        var json = JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object> { ["v"] = "meta.k8s.io/v1", ["rv"] = Revision, ["start"] = StartAfter });
        return Base64Url.EncodeToString(json);
    }

    /// <summary>Decodes a token, or throws 400 with a message a person can act on.</summary>
    public static ContinueToken Decode(string token)
    {
        try
        {
            using var doc = JsonDocument.Parse(Base64Url.DecodeFromChars(token));
            var rv = doc.RootElement.GetProperty("rv").GetInt64();
            var start = doc.RootElement.GetProperty("start").GetString() ?? "";
            if (rv <= 0 || start.Contains("..", StringComparison.Ordinal)) throw new FormatException();
            return new ContinueToken(rv, start);
        }
        catch (Exception e) when (e is FormatException or JsonException or KeyNotFoundException or InvalidOperationException)
        {
            throw ApiException.BadRequest("continue key is not valid: the continue token could not be decoded; start the list again without it");
        }
    }
}
