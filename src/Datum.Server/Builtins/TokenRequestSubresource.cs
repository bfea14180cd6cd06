using System.Text.Json.Nodes;
using Datum.Machinery.Api;
using Datum.Machinery.Objects;
using Datum.Machinery.Schema;
using Datum.Server.Http;
using Datum.Server.Registry;
using Datum.Server.Security;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using static Datum.Machinery.Schema.SchemaBuilder;

namespace Datum.Server.Builtins;

/// <summary>
/// <c>POST /api/v1/namespaces/{ns}/serviceaccounts/{name}/token</c>: takes an authentication.k8s.io/v1 TokenRequest
/// (JSON, YAML or protobuf) and answers 201 with the same TokenRequest plus <c>status.token</c> (a JWT signed by the
/// server's service-account key) and <c>status.expirationTimestamp</c>. The signer comes from the request's services
/// (<see cref="ServiceAccountTokens"/>), so the kind's declaration stays static.
/// </summary>
internal sealed class TokenRequestSubresource : ISubresource
{
    /// <summary>Default token lifetime when the request names none.</summary>
    public const long DefaultExpirationSeconds = 3600;

    /// <summary>The shortest lifetime accepted (kube-apiserver's minimum).</summary>
    public const long MinExpirationSeconds = 600;

    /// <summary>The longest lifetime accepted (kube-apiserver's maximum, 2^32 seconds).</summary>
    public const long MaxExpirationSeconds = 1L << 32;

    private static readonly GroupVersionKind TokenRequestKind = new("authentication.k8s.io", "v1", "TokenRequest");

    /// <summary>Describes the body for decoding (apiVersion/kind checks); never added to the catalog.</summary>
    private static readonly ResourceDefinition BodyDefinition = new()
    {
        Group = TokenRequestKind.Group, Version = TokenRequestKind.Version, Kind = TokenRequestKind.Kind, Plural = "tokenrequests", Namespaced = true,
        Schema = CommonSchemas.TopLevel(
            "TokenRequest requests a token for a given service account.",
            ("spec", Any("TokenRequestSpec contains client provided parameters of a token request.") with { Type = "object" }),
            ("status", Any("TokenRequestStatus is the result of a token request.") with { Type = "object" })),
    };

    /// <inheritdoc/>
    public string Name => "token";

    /// <inheritdoc/>
    public IReadOnlyList<string> Verbs { get; } = ["create"];

    /// <inheritdoc/>
    public GroupVersionKind ResponseKind => TokenRequestKind;

    /// <inheritdoc/>
    public async Task HandleAsync(ResourceRequest request)
    {
        if (!HttpMethods.IsPost(request.Http.Request.Method))
        {
            throw ApiException.MethodNotAllowed("the server does not allow this method on the requested resource (serviceaccounts/token supports only create)");
        }

        var tokens = request.Http.RequestServices.GetService<ServiceAccountTokens>()
            ?? throw ApiException.Unavailable("service-account token signing is not configured on this server");
        var ns = request.Scope.Namespace ?? throw ApiException.PathNotFound();
        var name = request.Info.Name ?? throw ApiException.PathNotFound();

        var body = await RequestBody.ReadAsync(request.Http.Request, request.Aborted).ConfigureAwait(false);
        var bodyScope = new RequestScope { Definition = BodyDefinition, Namespace = ns, User = request.Scope.User, FieldValidation = request.Scope.FieldValidation };
        var tokenRequest = RequestBody.DecodeObject(RequestBody.MediaType(request.Http.Request), body, bodyScope);
        var spec = tokenRequest["spec"] as JsonObject ?? new JsonObject();
        var expirationSeconds = ReadExpiration(spec, name);
        var audiences = ReadAudiences(spec, name);

        var account = ObjectEncoding.Decode((await request.Store.GetAsync(request.Scope, name, request.Aborted).ConfigureAwait(false)).Value);
        if (ObjectFields.MetaString(account, "deletionTimestamp") is not null)
        {
            throw ApiException.Forbidden($"serviceaccounts \"{name}\" is forbidden: the service account is being deleted");
        }

        var boundSecret = await ReadBoundObjectAsync(request, spec, ns, name).ConfigureAwait(false);
        var uid = ObjectFields.MetaString(account, "uid") ?? throw ApiException.Internal($"service account {ns}/{name} has no uid");
        var issued = tokens.Issue(new ServiceAccountTokenSpec(ns, name, uid, audiences, TimeSpan.FromSeconds(expirationSeconds), boundSecret, request.Scope.Cluster));

        spec["audiences"] = new JsonArray(issued.Audiences.Select(a => (JsonNode?)JsonValue.Create(a)).ToArray());
        spec["expirationSeconds"] = expirationSeconds;
        if (spec["boundObjectRef"] is null)
        {
            spec["boundObjectRef"] = null;
        }

        var answer = new JsonObject
        {
            ["kind"] = TokenRequestKind.Kind,
            ["apiVersion"] = TokenRequestKind.ApiVersion,
            ["metadata"] = new JsonObject
            {
                ["name"] = name,
                ["namespace"] = ns,
                ["creationTimestamp"] = ObjectFields.FormatTime(tokens.Time.GetUtcNow()),
            },
            ["spec"] = spec.DeepClone(),
            ["status"] = new JsonObject
            {
                ["token"] = request.Scope.DryRun ? "" : issued.Token,
                ["expirationTimestamp"] = ObjectFields.FormatTime(issued.ExpirationTimestamp),
            },
        };
        await ResponseWriter.WriteObjectAsync(request.Http, 201, ObjectEncoding.Encode(answer), request.Aborted).ConfigureAwait(false);
    }

    private static long ReadExpiration(JsonObject spec, string name)
    {
        if (spec["expirationSeconds"] is null)
        {
            return DefaultExpirationSeconds;
        }

        if (spec["expirationSeconds"] is not JsonValue value || !TryGetInt64(value, out var seconds))
        {
            throw Invalid(name, FieldError.Invalid("spec.expirationSeconds", spec["expirationSeconds"]?.DeepClone(), "must be an integer number of seconds"));
        }

        if (seconds == 0)
        {
            // Protobuf cannot tell an absent int64 from 0; kube-apiserver defaults both.
            return DefaultExpirationSeconds;
        }

        if (seconds < MinExpirationSeconds)
        {
            throw Invalid(name, FieldError.Invalid("spec.expirationSeconds", JsonValue.Create(seconds), "may not specify a duration less than 10 minutes"));
        }

        if (seconds > MaxExpirationSeconds)
        {
            throw Invalid(name, FieldError.Invalid("spec.expirationSeconds", JsonValue.Create(seconds), "may not specify a duration larger than 2^32 seconds"));
        }

        return seconds;
    }

    private static bool TryGetInt64(JsonValue value, out long result)
    {
        if (value.TryGetValue(out result))
        {
            return true;
        }

        // Protobuf-decoded int64 values and some clients' JSON arrive as strings or doubles.
        if (value.TryGetValue<string>(out var text))
        {
            return long.TryParse(text, System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out result);
        }

        if (value.TryGetValue<double>(out var number) && number == Math.Floor(number) && Math.Abs(number) < 9e15)
        {
            result = (long)number;
            return true;
        }

        return false;
    }

    private static List<string> ReadAudiences(JsonObject spec, string name)
    {
        var audiences = new List<string>();
        switch (spec["audiences"])
        {
            case null:
                break;
            case JsonArray list:
                for (var i = 0; i < list.Count; i++)
                {
                    if (list[i] is not JsonValue v || !v.TryGetValue<string>(out var audience) || audience.Length == 0)
                    {
                        throw Invalid(name, FieldError.Invalid($"spec.audiences[{i}]", list[i]?.DeepClone(), "must be a non-empty string"));
                    }

                    if (!audiences.Contains(audience))
                    {
                        audiences.Add(audience);
                    }
                }

                break;
            default:
                throw Invalid(name, FieldError.Invalid("spec.audiences", spec["audiences"]?.DeepClone(), "must be a list of strings"));
        }

        return audiences;
    }

    private static async Task<BoundObjectClaim?> ReadBoundObjectAsync(ResourceRequest request, JsonObject spec, string ns, string name)
    {
        if (spec["boundObjectRef"] is not JsonObject reference)
        {
            return null;
        }

        var kind = reference["kind"]?.ToString() ?? "";
        var apiVersion = reference["apiVersion"]?.ToString() ?? "";
        var objectName = reference["name"]?.ToString() ?? "";
        var objectUid = reference["uid"]?.ToString() ?? "";
        if (kind.Length == 0 && objectName.Length == 0)
        {
            return null;
        }

        if (kind != "Secret")
        {
            // Pods and Nodes, the other kinds kube-apiserver binds to, do not exist in a generic control plane.
            throw ApiException.BadRequest($"cannot bind token for object of kind \"{kind}\": only Secret is supported");
        }

        if (apiVersion.Length > 0 && apiVersion != "v1")
        {
            throw Invalid(name, FieldError.Invalid("spec.boundObjectRef.apiVersion", JsonValue.Create(apiVersion), "must be \"v1\" for kind Secret"));
        }

        if (objectName.Length == 0)
        {
            throw Invalid(name, FieldError.Required("spec.boundObjectRef.name"));
        }

        var secretScope = new RequestScope { Definition = SecretKind.Definition, Cluster = request.Scope.Cluster, Namespace = ns, User = request.Scope.User };
        var secret = ObjectEncoding.Decode((await request.Store.GetAsync(secretScope, objectName, request.Aborted).ConfigureAwait(false)).Value);
        var actualUid = ObjectFields.MetaString(secret, "uid") ?? "";
        if (objectUid.Length > 0 && objectUid != actualUid)
        {
            throw ApiException.Conflict("", "secrets", objectName, $"the UID in the bound object reference ({objectUid}) does not match the UID in record ({actualUid}). The object might have been deleted and then recreated");
        }

        return new BoundObjectClaim(objectName, actualUid);
    }

    private static ApiException Invalid(string name, FieldError error) => ApiException.Invalid(TokenRequestKind, name, [error]);
}
