using System.Net;

namespace Datum.Machinery.Api;

/// <summary>
/// An error that the API server turns into a Kubernetes <c>Status</c> response. Everything that
/// rejects a request throws this (or a subclass), so no bad input becomes a 500.
/// </summary>
public class ApiException(int code, string reason, string message) : Exception(message)
{
    /// <summary>The HTTP status code.</summary>
    public int Code { get; } = code;

    /// <summary>The machine-readable <c>StatusReason</c>.</summary>
    public string Reason { get; } = reason;

    /// <summary>The <c>details.name</c> of the Status, if any.</summary>
    public string? DetailName { get; init; }

    /// <summary>The <c>details.group</c> of the Status, if any.</summary>
    public string? DetailGroup { get; init; }

    /// <summary>The <c>details.kind</c> of the Status, if any.</summary>
    public string? DetailKind { get; init; }

    /// <summary>The field causes (<c>details.causes</c>).</summary>
    public IReadOnlyList<FieldError> Causes { get; init; } = [];

    /// <summary>Seconds the client should wait before retrying (429 and 503).</summary>
    public int? RetryAfterSeconds { get; init; }

    /// <summary>400 BadRequest.</summary>
    public static ApiException BadRequest(string message) => new((int)HttpStatusCode.BadRequest, "BadRequest", message);

    /// <summary>404 NotFound for a named object of a resource.</summary>
    public static ApiException NotFound(string group, string resource, string name) =>
        new(404, "NotFound", $"{Qualified(resource, group)} \"{name}\" not found")
        { DetailName = name, DetailGroup = group, DetailKind = resource };

    /// <summary>404 NotFound for a path the server does not serve.</summary>
    public static ApiException PathNotFound() => new(404, "NotFound", "the server could not find the requested resource");

    /// <summary>409 AlreadyExists.</summary>
    public static ApiException AlreadyExists(string group, string resource, string name) =>
        new(409, "AlreadyExists", $"{Qualified(resource, group)} \"{name}\" already exists")
        { DetailName = name, DetailGroup = group, DetailKind = resource };

    /// <summary>409 Conflict for a stale resourceVersion.</summary>
    public static ApiException Conflict(string group, string resource, string name, string? why = null) =>
        new(409, "Conflict", $"Operation cannot be fulfilled on {Qualified(resource, group)} \"{name}\": " +
            (why ?? "the object has been modified; please apply your changes to the latest version and try again"))
        { DetailName = name, DetailGroup = group, DetailKind = resource };

    /// <summary>410 Expired.</summary>
    public static ApiException Expired(string message) => new(410, "Expired", message);

    /// <summary>403 Forbidden.</summary>
    public static ApiException Forbidden(string message) => new(403, "Forbidden", message);

    /// <summary>405 MethodNotAllowed.</summary>
    public static ApiException MethodNotAllowed(string message) => new(405, "MethodNotAllowed", message);

    /// <summary>406 NotAcceptable.</summary>
    public static ApiException NotAcceptable(string message) => new(406, "NotAcceptable", message);

    /// <summary>413 RequestEntityTooLarge.</summary>
    public static ApiException TooLarge(string message) => new(413, "RequestEntityTooLarge", message);

    /// <summary>415 UnsupportedMediaType.</summary>
    public static ApiException UnsupportedMediaType(string message) => new(415, "UnsupportedMediaType", message);

    /// <summary>401 Unauthorized.</summary>
    public static ApiException Unauthorized() => new(401, "Unauthorized", "Unauthorized");

    /// <summary>401 Unauthorized with a reason the caller can act on (the credential verified but may no longer be used).</summary>
    public static ApiException Unauthorized(string message) => new(401, "Unauthorized", message);

    /// <summary>500 InternalError, for failures that are the server's fault.</summary>
    public static ApiException Internal(string message) => new(500, "InternalError", message);

    /// <summary>503 ServiceUnavailable.</summary>
    public static ApiException Unavailable(string message) => new(503, "ServiceUnavailable", message) { RetryAfterSeconds = 1 };

    /// <summary>422 Invalid with field causes, rendered like Kubernetes' <c>NewInvalid</c>.</summary>
    public static ApiException Invalid(GroupVersionKind gvk, string name, IReadOnlyList<FieldError> errors)
    {
        var kindText = gvk.Group.Length == 0 ? gvk.Kind : $"{gvk.Kind}.{gvk.Group}";
        var detail = errors.Count == 1 ? errors[0].ToString() : "[" + string.Join(", ", errors) + "]";
        return new ApiException(422, "Invalid", $"{kindText} \"{name}\" is invalid: {detail}")
        { DetailName = name, DetailGroup = gvk.Group, DetailKind = gvk.Kind, Causes = errors };
    }

    private static string Qualified(string resource, string group) => group.Length == 0 ? resource : $"{resource}.{group}";
}
