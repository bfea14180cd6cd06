using Datum.Runtime.Api;

namespace Datum.Runtime.Client;

/// <summary>
/// How a <see cref="KubeClient"/> reaches an API server: HTTPS (<see cref="HttpApiTransport"/>) or straight into
/// the server's store in the same process (<c>InProcessTransport</c>). Both speak the REST API's JSON: bodies are
/// the bytes the HTTP API would carry, errors come back as a <see cref="Status"/> body with its code.
/// </summary>
public interface IApiTransport : IAsyncDisposable
{
    /// <summary>
    /// Performs a non-watch request. Answers every API error as a response (code + Status body); throws only when
    /// the server could not be reached (then the caller retries with backoff).
    /// </summary>
    Task<ApiResponse> SendAsync(ApiRequest request, CancellationToken ct);

    /// <summary>
    /// Opens a watch and yields its events until the server ends the stream. Throws <see cref="ApiStatusException"/>
    /// when the server refuses the watch, and transport exceptions when the connection fails or breaks.
    /// </summary>
    IAsyncEnumerable<RawWatchEvent> WatchAsync(ApiRequest request, CancellationToken ct);
}

/// <summary>The verbs of the REST API.</summary>
public enum ApiVerb
{
    /// <summary>GET one object.</summary>
    Get,
    /// <summary>GET a collection.</summary>
    List,
    /// <summary>POST to a collection.</summary>
    Create,
    /// <summary>PUT one object.</summary>
    Update,
    /// <summary>PATCH one object.</summary>
    Patch,
    /// <summary>DELETE one object.</summary>
    Delete,
    /// <summary>GET a collection with watch=true.</summary>
    Watch,
}

/// <summary>One request, transport-neutral.</summary>
public sealed record ApiRequest(ApiVerb Verb, ResourceType Resource)
{
    /// <summary>The logical control plane (<c>root</c> today).</summary>
    public string Cluster { get; init; } = ClusterNames.Root;

    /// <summary>The namespace, or null (cluster-scoped kinds, all-namespace lists and watches).</summary>
    public string? Namespace { get; init; }

    /// <summary>The object's name (get, update, patch, delete).</summary>
    public string? Name { get; init; }

    /// <summary>A subresource (<c>status</c>) or null.</summary>
    public string? Subresource { get; init; }

    /// <summary>The JSON body (create, update, patch, delete options).</summary>
    public ReadOnlyMemory<byte> Body { get; init; }

    /// <summary>The body's media type: <c>application/json</c> or a patch type.</summary>
    public string ContentType { get; init; } = "application/json";

    /// <summary>Query options.</summary>
    public ListOptions Options { get; init; } = ListOptions.None;

    /// <summary>The field manager of a write.</summary>
    public string? FieldManager { get; init; }

    /// <summary>Server-side apply's force flag.</summary>
    public bool Force { get; init; }

    /// <summary>dryRun=All.</summary>
    public bool DryRun { get; init; }
}

/// <summary>A response: HTTP status code and body (the object, the list, or a Status).</summary>
public sealed record ApiResponse(int StatusCode, ReadOnlyMemory<byte> Body)
{
    /// <summary>2xx.</summary>
    public bool IsSuccess => StatusCode is >= 200 and < 300;
}

/// <summary>One watch event as received: its type (<c>ADDED</c>, <c>MODIFIED</c>, <c>DELETED</c>, <c>BOOKMARK</c>, <c>ERROR</c>) and the object's JSON.</summary>
public readonly record struct RawWatchEvent(string Type, ReadOnlyMemory<byte> Object);

/// <summary>Names of logical control planes.</summary>
public static class ClusterNames
{
    /// <summary>The platform control plane, the only one served today.</summary>
    public const string Root = "root";

    /// <summary>
    /// The URL prefix of a plane: none for <c>root</c>, <c>/apis/resourcemanager.miloapis.com/v1alpha1/projects/P/control-plane</c>
    /// for <c>project:P</c>, <c>.../organizations/O/control-plane</c> for <c>org:O</c>.
    /// </summary>
    public static string UrlPrefix(string cluster)
    {
        const string rm = "/apis/resourcemanager.miloapis.com/v1alpha1/";
        if (cluster == Root) return "";
        if (cluster.StartsWith("project:", StringComparison.Ordinal)) return rm + "projects/" + Uri.EscapeDataString(cluster[8..]) + "/control-plane";
        if (cluster.StartsWith("org:", StringComparison.Ordinal)) return rm + "organizations/" + Uri.EscapeDataString(cluster[4..]) + "/control-plane";
        throw new NotSupportedException($"no URL is known for control plane \"{cluster}\"");
    }
}
