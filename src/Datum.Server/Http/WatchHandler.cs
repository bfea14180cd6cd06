using System.Buffers;
using System.IO.Pipelines;
using System.Text.Json.Nodes;
using Datum.Machinery.Api;
using Datum.Server.Registry;
using Datum.Storage;

namespace Datum.Server.Http;

/// <summary>
/// Watch of a collection: one JSON event per line, flushed. With no resourceVersion (or "0") the current
/// state comes first as synthetic ADDED events; with one, exactly the changes after it. A resourceVersion
/// older than the retained history gets an in-stream 410 ERROR event, as kube-apiserver sends.
/// </summary>
public static class WatchHandler
{
    /// <summary>Streams events until the client leaves, the timeout passes, or the server stops.</summary>
    public static async Task HandleAsync(ResourceRequest request)
    {
        var scope = request.Scope;
        var query = request.ListQuery();
        var readers = ResourceStore.FieldReaders(scope.Definition, query);
        var filtered = !query.Labels.IsEverything || !query.Fields.IsEverything;
        var allowBookmarks = request.QueryFlag("allowWatchBookmarks");
        var sendInitialEvents = request.QueryFlag("sendInitialEvents");
        if (sendInitialEvents && request.Query("resourceVersionMatch") != "NotOlderThan")
        {
            throw new ApiException(422, "Invalid", "sendInitialEvents: Forbidden: sendInitialEvents is only supported with resourceVersionMatch set to NotOlderThan");
        }
        var timeout = request.TimeoutSeconds() is { } seconds and > 0
            ? TimeSpan.FromSeconds(seconds)
            : request.WatchSettings.MinRequestTimeout * (1 + Random.Shared.NextDouble());
        var rv = ResourceStore.ParseRv(query.ResourceVersion);
        var format = OutputFormat.Negotiate(request.Http.Request, forList: false);
        var includeObject = request.Query("includeObject");
        Func<byte[], byte[]> shape = format.Shape switch
        {
            OutputShape.Table => body => TableWriter.Table(scope.Definition, [new StoredObject("", body, 0, 0)], format, includeObject, null, null, TimeProvider.System),
            OutputShape.Metadata => body => TableWriter.Partial(new StoredObject("", body, 0, 0), format.MetaVersion),
            _ => body => CustomResources.CustomResourceVersions.Present(scope.Definition, body),
        };
        var prefix = StorageKeys.CollectionPrefix(scope.Cluster, scope.Definition, scope.Namespace);
        var store = request.Store.Storage;

        IReadOnlyList<StoredObject> initial = [];
        long start;
        if (rv is null or 0 || sendInitialEvents)
        {
            var page = await store.ListAsync(prefix, new ListRequest(0, null, 0, ResourceStore.Filter(scope, query)), request.Aborted).ConfigureAwait(false);
            initial = page.Items;
            start = page.Revision;
        }
        else
        {
            start = rv.Value;
        }

        var response = request.Http.Response;
        response.StatusCode = 200;
        response.ContentType = "application/json";
        response.Headers.CacheControl = "no-cache, private";
        var output = response.BodyWriter;

        IStorageWatch watch;
        try
        {
            watch = await store.WatchAsync(prefix, start, request.Aborted).ConfigureAwait(false);
        }
        catch (RevisionCompactedException e)
        {
            WriteEvent(output, "ERROR", StatusWriter.ToBytes(ApiException.Expired($"too old resource version: {e.Requested} ({e.Compacted})")));
            await output.FlushAsync(request.Aborted).ConfigureAwait(false);
            return;
        }

        await using (watch.ConfigureAwait(false))
        {
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(request.Aborted, request.ServerStopping);
            deadline.CancelAfter(timeout);
            var ct = deadline.Token;
            foreach (var item in initial)
            {
                WriteEvent(output, "ADDED", shape(item.Value));
                if (output.UnflushedBytes > 64 * 1024) await output.FlushAsync(ct).ConfigureAwait(false);
            }
            if (sendInitialEvents)
            {
                WriteEvent(output, "BOOKMARK", Bookmark(scope.Definition, start, initialEventsEnd: true));
            }
            await output.FlushAsync(ct).ConfigureAwait(false);

            using var bookmarks = allowBookmarks ? new Timer(_ => watch.RequestProgress(), null, request.WatchSettings.BookmarkInterval, request.WatchSettings.BookmarkInterval) : null;
            var reader = watch.Events;
            try
            {
                while (await reader.WaitToReadAsync(ct).ConfigureAwait(false))
                {
                    while (reader.TryRead(out var change))
                    {
                        if (change.Type == StorageEventType.Progress)
                        {
                            if (allowBookmarks) WriteEvent(output, "BOOKMARK", Bookmark(scope.Definition, change.Revision, false));
                            continue;
                        }
                        var (type, body) = filtered ? Classify(change, query, readers) : (Plain(change.Type), change.Value);
                        if (type is not null) WriteEvent(output, type, shape(body));
                    }
                    var flush = await output.FlushAsync(ct).ConfigureAwait(false);
                    if (flush.IsCompleted || flush.IsCanceled) return;
                }
            }
            catch (OperationCanceledException)
            {
                // Timeout or client gone: end the stream cleanly, as the apiserver does.
            }
            catch (WatchOverflowException)
            {
                // The client fell behind; closing makes it re-watch from its last resourceVersion.
            }
        }
    }

    private static string Plain(StorageEventType type) => type switch
    {
        StorageEventType.Created => "ADDED",
        StorageEventType.Deleted => "DELETED",
        _ => "MODIFIED",
    };

    // With selectors, an object that starts matching is ADDED and one that stops matching is DELETED.
    private static (string? Type, byte[] Body) Classify(StorageEvent change, ListQuery query, IReadOnlyDictionary<string, Func<JsonObject, string?>> readers)
    {
        var now = ResourceStore.Matches(ObjectEncoding.Decode(change.Value), query, readers);
        if (change.Type == StorageEventType.Created) return (now ? "ADDED" : null, change.Value);
        if (change.Type == StorageEventType.Deleted) return (now ? "DELETED" : null, change.Value);
        var before = change.PreviousValue is { } previous && ResourceStore.Matches(ObjectEncoding.Decode(previous), query, readers);
        return (before, now) switch
        {
            (true, true) => ("MODIFIED", change.Value),
            (false, true) => ("ADDED", change.Value),
            (true, false) => ("DELETED", change.Value),
            _ => (null, change.Value),
        };
    }

    private static byte[] Bookmark(ResourceDefinition definition, long revision, bool initialEventsEnd) => ResponseWriter.Build(w =>
    {
        w.WriteStartObject();
        w.WriteString("kind", definition.Kind);
        w.WriteString("apiVersion", definition.ApiVersion);
        w.WriteStartObject("metadata");
        w.WriteString("resourceVersion", ObjectEncoding.Rv(revision));
        if (initialEventsEnd)
        {
            w.WriteStartObject("annotations");
            w.WriteString("k8s.io/initial-events-end", "true");
            w.WriteEndObject();
        }
        w.WriteEndObject();
        w.WriteEndObject();
    });

    private static void WriteEvent(PipeWriter output, string type, ReadOnlySpan<byte> obj)
    {
        output.Write("{\"type\":\""u8);
        output.Write(System.Text.Encoding.ASCII.GetBytes(type));
        output.Write("\",\"object\":"u8);
        output.Write(obj);
        output.Write("}\n"u8);
    }
}
