using System.Buffers;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using Datum.Machinery.Api;
using Datum.Machinery.Patch;
using Datum.Machinery.Selectors;
using Datum.Runtime.Client;
using Datum.Server.Http;
using Datum.Server.Registry;
using Datum.Server.Security;
using Datum.Storage;

namespace Datum.Runtime.InProcess;

/// <summary>
/// Talks to the API server's <see cref="ResourceStore"/> in the same process: no HTTP, no TLS, no JSON of the
/// request line, but the same pipeline behind the handlers (schema, validation, strategy, admission, namespace
/// lifecycle, optimistic concurrency). Answers and errors are byte-for-byte what the HTTP API returns.
/// Authorization is skipped: in-process controllers are part of the server.
/// </summary>
public sealed class InProcessTransport(ResourceStore store, ResourceCatalog catalog) : IApiTransport
{
    private static readonly UserInfo ControllerUser = new("system:datum:controller-manager", null, ["system:masters", "system:authenticated"]);

    // Watch timeouts end within this much of their time; bookmarks come at least this far apart.
    private static readonly TimeSpan TickerResolution = TimeSpan.FromSeconds(1);

    private WatchTicker? _ticker;

    /// <summary>How often a watch that asked for bookmarks gets one.</summary>
    public TimeSpan BookmarkInterval { get; init; } = TimeSpan.FromMinutes(1);

    /// <inheritdoc />
    public async Task<ApiResponse> SendAsync(ApiRequest request, CancellationToken ct)
    {
        try
        {
            var scope = Scope(request);
            return request.Verb switch
            {
                ApiVerb.Get => Ok((await store.GetAsync(scope, request.Name!, ct).ConfigureAwait(false)).Value),
                ApiVerb.List => await ListAsync(scope, request, ct).ConfigureAwait(false),
                ApiVerb.Create => await CreateAsync(scope, request, ct).ConfigureAwait(false),
                ApiVerb.Update => Ok((await store.ReplaceAsync(scope, request.Name!, DecodeObject(request, scope), requireResourceVersion: true, ct).ConfigureAwait(false)).Value),
                ApiVerb.Patch => await PatchAsync(scope, request, ct).ConfigureAwait(false),
                ApiVerb.Delete => await DeleteAsync(scope, request, ct).ConfigureAwait(false),
                _ => throw ApiException.MethodNotAllowed($"{request.Verb} is not a request/response verb"),
            };
        }
        catch (ApiException e)
        {
            return new ApiResponse(e.Code, StatusWriter.ToBytes(e));
        }
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<RawWatchEvent> WatchAsync(ApiRequest request, [EnumeratorCancellation] CancellationToken ct)
    {
        RequestScope scope;
        ListQuery query;
        IReadOnlyDictionary<string, Func<JsonObject, string?>>? readers;
        try
        {
            scope = Scope(request);
            query = Query(request.Options);
            readers = ResourceStore.FieldReaders(scope.Definition, query);
        }
        catch (ApiException e)
        {
            throw new ApiStatusException(JsonSerializer.Deserialize(StatusWriter.ToBytes(e), Api.RuntimeJsonContext.Default.Status)!);
        }
        var filtered = !query.Labels.IsEverything || !query.Fields.IsEverything;
        // An informer's watch lives as long as its plane: keep nothing it does not need.
        if (!filtered) readers = null;
        var prefix = StorageKeys.CollectionPrefix(scope.Cluster, scope.Definition, scope.Namespace);
        var rv = ResourceStore.ParseRv(query.ResourceVersion);
        IReadOnlyList<StoredObject> initial = [];
        long start;
        if (rv is null or 0)
        {
            var page = await store.Storage.ListAsync(prefix, new ListRequest(0, null, 0, ResourceStore.Filter(scope, query)), ct).ConfigureAwait(false);
            initial = page.Items;
            start = page.Revision;
        }
        else
        {
            start = rv.Value;
        }

        IStorageWatch? watch = null;
        RawWatchEvent? expired = null;
        try
        {
            watch = await store.Storage.WatchAsync(prefix, start, ct).ConfigureAwait(false);
        }
        catch (RevisionCompactedException e)
        {
            expired = new RawWatchEvent("ERROR", StatusWriter.ToBytes(ApiException.Expired($"too old resource version: {e.Requested} ({e.Compacted})")));
        }
        if (watch is null)
        {
            yield return expired!.Value;
            yield break;
        }

        await using (watch.ConfigureAwait(false))
        {
            // The ticker ends the watch at its timeout by ending the storage watch: the reader then completes.
            using var timing = Ticker.Add(watch, request.Options.AllowWatchBookmarks ? BookmarkInterval : null,
                request.Options.TimeoutSeconds is { } seconds and > 0 ? TimeSpan.FromSeconds(seconds) : null);
            foreach (var item in initial) yield return new RawWatchEvent("ADDED", item.Value);
            // The iterator lives as long as the watch: it should not keep the initial objects alive that long.
            initial = [];
            var reader = watch.Events;
            while (true)
            {
                StorageEvent? change;
                try
                {
                    if (!reader.TryRead(out change))
                    {
                        if (!await reader.WaitToReadAsync(ct).ConfigureAwait(false)) yield break;
                        continue;
                    }
                }
                catch (WatchOverflowException)
                {
                    // Fell behind: the stream ends and the client re-watches from its last resourceVersion, as over HTTP.
                    yield break;
                }
                if (change!.Type == StorageEventType.Progress)
                {
                    if (request.Options.AllowWatchBookmarks) yield return new RawWatchEvent("BOOKMARK", Bookmark(scope.Definition, change.Revision));
                    continue;
                }
                var type = filtered ? Classify(change, query, readers!) : Plain(change.Type);
                if (type is not null) yield return new RawWatchEvent(type, change.Value);
            }
        }
    }

    private WatchTicker Ticker => LazyInitializer.EnsureInitialized(ref _ticker,
        () => new WatchTicker(BookmarkInterval < TickerResolution ? BookmarkInterval : TickerResolution, TimeProvider.System));

    /// <inheritdoc />
    public ValueTask DisposeAsync()
    {
        _ticker?.Dispose();
        return ValueTask.CompletedTask;
    }

    private RequestScope Scope(ApiRequest request)
    {
        var r = request.Resource;
        var definition = catalog.Find(r.Group, r.Version, r.Plural) ?? throw ApiException.PathNotFound();
        if (request.Subresource is not null && !(request.Subresource == "status" && definition.HasStatusSubresource)) throw ApiException.PathNotFound();
        return new RequestScope
        {
            Definition = definition,
            Cluster = request.Cluster,
            Namespace = definition.Namespaced ? request.Namespace : null,
            Subresource = request.Subresource,
            User = ControllerUser,
            DryRun = request.DryRun,
            FieldManager = request.FieldManager,
        };
    }

    private async Task<ApiResponse> ListAsync(RequestScope scope, ApiRequest request, CancellationToken ct)
    {
        var result = await store.ListAsync(scope, Query(request.Options), ct).ConfigureAwait(false);
        var buffer = new ArrayBufferWriter<byte>(4096 + result.Items.Sum(i => i.Value.Length + 1));
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("kind", scope.Definition.Kind + "List");
            w.WriteString("apiVersion", scope.Definition.ApiVersion);
            w.WriteStartObject("metadata");
            w.WriteString("resourceVersion", ObjectEncoding.Rv(result.Revision));
            if (result.Continue is not null) w.WriteString("continue", result.Continue);
            w.WriteEndObject();
            w.WriteStartArray("items");
            foreach (var item in result.Items) w.WriteRawValue(item.Value, skipInputValidation: true);
            w.WriteEndArray();
            w.WriteEndObject();
        }
        return Ok(buffer.WrittenMemory);
    }

    private async Task<ApiResponse> CreateAsync(RequestScope scope, ApiRequest request, CancellationToken ct)
    {
        // The object is not a local of this method, so it is garbage once the store has encoded it.
        var stored = await store.CreateAsync(scope, await DecodeForCreateAsync(scope, request, ct).ConfigureAwait(false), ct).ConfigureAwait(false);
        return new ApiResponse(201, stored.Value);
    }

    private async ValueTask<JsonObject> DecodeForCreateAsync(RequestScope scope, ApiRequest request, CancellationToken ct)
    {
        var obj = DecodeObject(request, scope);
        if (scope.Namespace is not null) await NamespaceGuard.EnsureUsableAsync(store, catalog, scope, Datum.Machinery.Objects.ObjectFields.MetaString(obj, "name"), ct).ConfigureAwait(false);
        return obj;
    }

    private async Task<ApiResponse> PatchAsync(RequestScope scope, ApiRequest request, CancellationToken ct)
    {
        var definition = scope.Definition;
        var patch = RequestBody.ParseJson(request.Body.Span, scope);
        Func<JsonObject, JsonNode?> apply = request.ContentType switch
        {
            "application/json-patch+json" => current => JsonPatch.Apply(current, patch),
            "application/merge-patch+json" => current => JsonMergePatch.Apply(current, patch),
            "application/strategic-merge-patch+json" when definition.SupportsStrategicMergePatch =>
                current => StrategicMergePatch.Apply(current, patch ?? new JsonObject(), StrategicMergeRules.For(definition)),
            _ => throw ApiException.UnsupportedMediaType($"the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json (got {request.ContentType})"),
        };
        var stored = await store.UpdateAsync(scope, request.Name!, current =>
        {
            try
            {
                return apply(current) as JsonObject ?? throw ApiException.BadRequest("the patch must leave a JSON object");
            }
            catch (PatchException e) when (e.Kind == PatchErrorKind.Malformed)
            {
                throw ApiException.BadRequest(e.Message);
            }
            catch (PatchException e)
            {
                throw new ApiException(422, "Invalid", e.Message);
            }
        }, requireResourceVersion: false, ct).ConfigureAwait(false);
        return Ok(stored.Value);
    }

    private async Task<ApiResponse> DeleteAsync(RequestScope scope, ApiRequest request, CancellationToken ct)
    {
        var preconditions = new Server.Registry.DeletePreconditions();
        if (!request.Body.IsEmpty)
        {
            var options = JsonSerializer.Deserialize(request.Body.Span, Api.RuntimeJsonContext.Default.DeleteOptions);
            if (options?.PropagationPolicy is { } policy && policy is not ("Background" or "Foreground" or "Orphan"))
            {
                throw ApiException.BadRequest($"propagationPolicy: Unsupported value: \"{policy}\": supported values: \"Background\", \"Foreground\", \"Orphan\"");
            }
            preconditions = new Server.Registry.DeletePreconditions(options?.Preconditions?.Uid, options?.Preconditions?.ResourceVersion);
        }
        var (stored, _) = await store.DeleteAsync(scope, request.Name!, preconditions, ct).ConfigureAwait(false);
        return Ok(stored.Value);
    }

    private static JsonObject DecodeObject(ApiRequest request, RequestScope scope) =>
        RequestBody.DecodeObject("application/json", request.Body.Span, scope);

    private static ListQuery Query(ListOptions options)
    {
        try
        {
            return new ListQuery
            {
                Labels = LabelSelector.Parse(options.LabelSelector),
                Fields = FieldSelector.Parse(options.FieldSelector),
                Limit = options.Limit,
                Continue = options.Continue,
                ResourceVersion = options.ResourceVersion,
                ResourceVersionMatch = options.ResourceVersionMatch,
            };
        }
        catch (FormatException e)
        {
            throw ApiException.BadRequest(e.Message);
        }
    }

    private static ApiResponse Ok(ReadOnlyMemory<byte> body) => new(200, body);

    private static string Plain(StorageEventType type) => type switch
    {
        StorageEventType.Created => "ADDED",
        StorageEventType.Deleted => "DELETED",
        _ => "MODIFIED",
    };

    private static string? Classify(StorageEvent change, ListQuery query, IReadOnlyDictionary<string, Func<JsonObject, string?>> readers)
    {
        var now = ResourceStore.Matches(ObjectEncoding.Decode(change.Value), query, readers);
        if (change.Type == StorageEventType.Created) return now ? "ADDED" : null;
        if (change.Type == StorageEventType.Deleted) return now ? "DELETED" : null;
        var before = change.PreviousValue is { } previous && ResourceStore.Matches(ObjectEncoding.Decode(previous), query, readers);
        return (before, now) switch
        {
            (true, true) => "MODIFIED",
            (false, true) => "ADDED",
            (true, false) => "DELETED",
            _ => null,
        };
    }

    private static byte[] Bookmark(ResourceDefinition definition, long revision) => ResponseWriter.Build(w =>
    {
        w.WriteStartObject();
        w.WriteString("kind", definition.Kind);
        w.WriteString("apiVersion", definition.ApiVersion);
        w.WriteStartObject("metadata");
        w.WriteString("resourceVersion", ObjectEncoding.Rv(revision));
        w.WriteEndObject();
        w.WriteEndObject();
    });
}
