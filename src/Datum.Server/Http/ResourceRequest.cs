using Datum.Machinery.Api;
using Datum.Machinery.Selectors;
using Datum.Server.Registry;
using Microsoft.AspNetCore.Http;

namespace Datum.Server.Http;

/// <summary>Everything one resource request's handler needs, built once by the dispatcher.</summary>
public sealed class ResourceRequest
{
    /// <summary>The HTTP exchange.</summary>
    public required HttpContext Http { get; init; }

    /// <summary>The parsed URL.</summary>
    public required RequestInfo Info { get; init; }

    /// <summary>The kind, caller and write options.</summary>
    public required RequestScope Scope { get; init; }

    /// <summary>The generic store.</summary>
    public required ResourceStore Store { get; init; }

    /// <summary>Every kind served, for checks that look at another kind (a create's namespace).</summary>
    public required ResourceCatalog Catalog { get; init; }

    /// <summary>Server-wide watch settings.</summary>
    public required WatchSettings WatchSettings { get; init; }

    /// <summary>A label selector the control plane forces on lists and watches (an organization's projects), or null.</summary>
    public string? RequiredLabelSelector { get; init; }

    /// <summary>Cancelled when the server begins to stop: long-running watches end at once so shutdown is quick.</summary>
    public CancellationToken ServerStopping { get; init; }

    /// <summary>Cancelled when the client goes away.</summary>
    public CancellationToken Aborted => Http.RequestAborted;

    /// <summary>A query parameter, or null.</summary>
    public string? Query(string name) => Http.Request.Query.TryGetValue(name, out var v) ? v.ToString() : null;

    /// <summary>A boolean query parameter (<c>true</c>/<c>1</c>).</summary>
    public bool QueryFlag(string name) => Query(name) is "true" or "1" or "True";

    /// <summary>The <c>timeoutSeconds</c> parameter; 400 when it is not a non-negative integer.</summary>
    public int? TimeoutSeconds()
    {
        if (Query("timeoutSeconds") is not { Length: > 0 } text) return null;
        return int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var seconds)
            ? seconds
            : throw ApiException.BadRequest($"timeoutSeconds: Invalid value: \"{text}\": must be a non-negative integer");
    }

    /// <summary>The list options of the query string, parsed; 400 on bad selectors.</summary>
    public ListQuery ListQuery()
    {
        var match = Query("resourceVersionMatch");
        if (!string.IsNullOrEmpty(match))
        {
            if (match is not ("Exact" or "NotOlderThan"))
            {
                throw new ApiException(422, "Invalid", $"resourceVersionMatch: Unsupported value: \"{match}\": supported values: \"Exact\", \"NotOlderThan\"");
            }
            if (string.IsNullOrEmpty(Query("resourceVersion")) && !QueryFlag("sendInitialEvents"))
            {
                throw new ApiException(422, "Invalid", "resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden unless resourceVersion is provided");
            }
        }
        _ = TimeoutSeconds();
        _ = ResourceStore.ParseRv(Query("resourceVersion"));
        int limit = 0;
        if (Query("limit") is { Length: > 0 } text && (!int.TryParse(text, out limit) || limit < 0))
        {
            throw ApiException.BadRequest($"limit: Invalid value: \"{text}\": must be a non-negative integer");
        }
        try
        {
            var fields = FieldSelector.Parse(Query("fieldSelector"));
            return new ListQuery
            {
                Labels = LabelSelector.Parse(RequiredLabelSelector is null ? Query("labelSelector")
                    : string.IsNullOrEmpty(Query("labelSelector")) ? RequiredLabelSelector : Query("labelSelector") + "," + RequiredLabelSelector),
                Fields = fields,
                Limit = limit,
                Continue = Query("continue"),
                ResourceVersion = Query("resourceVersion"),
                ResourceVersionMatch = Query("resourceVersionMatch"),
            };
        }
        catch (FormatException e)
        {
            throw ApiException.BadRequest(e.Message);
        }
    }
}

/// <summary>Watch timing, overridable by tests.</summary>
public sealed record WatchSettings
{
    /// <summary>How often a watch that asked for bookmarks gets one.</summary>
    public TimeSpan BookmarkInterval { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>Server-chosen watch lifetime when the client gives none (randomised up to twice this).</summary>
    public TimeSpan MinRequestTimeout { get; init; } = TimeSpan.FromMinutes(30);
}
