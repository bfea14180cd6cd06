using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;
using Datum.Runtime.Api;

namespace Datum.Runtime.Client;

/// <summary>
/// Reads and writes one kind through the API (never a cache). Every method throws <see cref="ApiStatusException"/>
/// for API errors (404, 409, 422 …) and transport exceptions when the server cannot be reached. Objects passed in
/// are not modified; results are new instances.
/// </summary>
public sealed class ResourceClient<T> where T : class, IKubeObject
{
    private readonly KubeClient _client;

    internal ResourceClient(KubeClient client, ResourceType type, JsonTypeInfo<T> typeInfo)
    {
        _client = client;
        Type = type;
        TypeInfo = typeInfo;
    }

    /// <summary>The kind's REST resource.</summary>
    public ResourceType Type { get; }

    /// <summary>The kind's JSON contract.</summary>
    public JsonTypeInfo<T> TypeInfo { get; }

    /// <summary>The control plane this client talks to.</summary>
    public string Cluster => _client.Cluster;

    /// <summary>Reads one object; 404 is an <see cref="ApiStatusException"/>.</summary>
    public async Task<T> GetAsync(string? ns, string name, CancellationToken ct = default) =>
        Decode(await SendAsync(Request(ApiVerb.Get, ns, name), ct).ConfigureAwait(false));

    /// <summary>Reads one object, or null when it does not exist.</summary>
    public async Task<T?> TryGetAsync(string? ns, string name, CancellationToken ct = default)
    {
        var response = await _client.Transport.SendAsync(Request(ApiVerb.Get, ns, name), ct).ConfigureAwait(false);
        if (response.StatusCode == 404) return null;
        return Decode(Check(response));
    }

    /// <summary>Lists one page (all of it unless <see cref="ListOptions.Limit"/> is set).</summary>
    public async Task<ObjectList<T>> ListAsync(string? ns = null, ListOptions? options = null, CancellationToken ct = default)
    {
        var body = await SendAsync(Request(ApiVerb.List, ns, null) with { Options = options ?? ListOptions.None }, ct).ConfigureAwait(false);
        return DecodeList(body);
    }

    /// <summary>Lists everything, following continue tokens with pages of <paramref name="pageSize"/>.</summary>
    public async Task<ObjectList<T>> ListAllAsync(string? ns = null, ListOptions? options = null, int pageSize = 500, CancellationToken ct = default)
    {
        var items = new List<T>();
        var query = (options ?? ListOptions.None) with { Limit = pageSize, Continue = null };
        while (true)
        {
            var page = await ListAsync(ns, query, ct).ConfigureAwait(false);
            items.AddRange(page.Items);
            if (string.IsNullOrEmpty(page.Continue)) return new ObjectList<T>(items, page.ResourceVersion, null);
            query = query with { Continue = page.Continue, ResourceVersion = null, ResourceVersionMatch = null };
        }
    }

    /// <summary>Creates <paramref name="obj"/> in its <c>metadata.namespace</c>.</summary>
    public async Task<T> CreateAsync(T obj, bool dryRun = false, CancellationToken ct = default) =>
        Decode(await SendAsync(Request(ApiVerb.Create, obj.Metadata.Namespace, null) with { Body = Encode(obj), DryRun = dryRun }, ct).ConfigureAwait(false));

    /// <summary>Replaces <paramref name="obj"/>; its resourceVersion is the precondition (409 when stale).</summary>
    public async Task<T> UpdateAsync(T obj, bool dryRun = false, CancellationToken ct = default) =>
        Decode(await SendAsync(Request(ApiVerb.Update, obj.Metadata.Namespace, NameOf(obj)) with { Body = Encode(obj), DryRun = dryRun }, ct).ConfigureAwait(false));

    /// <summary>Replaces the status of <paramref name="obj"/> (the <c>status</c> subresource when the kind has one).</summary>
    public async Task<T> UpdateStatusAsync(T obj, CancellationToken ct = default) =>
        Decode(await SendAsync(Request(ApiVerb.Update, obj.Metadata.Namespace, NameOf(obj)) with { Body = Encode(obj), Subresource = "status" }, ct).ConfigureAwait(false));

    /// <summary>Patches an object (or its <paramref name="subresource"/>) with a patch document in <paramref name="type"/>'s format.</summary>
    public async Task<T> PatchAsync(string? ns, string name, PatchType type, JsonNode patch, string? subresource = null, string? fieldManager = null, bool force = false, CancellationToken ct = default)
    {
        var request = Request(ApiVerb.Patch, ns, name) with
        {
            Body = System.Text.Encoding.UTF8.GetBytes(patch.ToJsonString()),
            ContentType = PatchTypes.MediaType(type),
            Subresource = subresource,
            FieldManager = fieldManager,
            Force = force,
        };
        return Decode(await SendAsync(request, ct).ConfigureAwait(false));
    }

    /// <summary>
    /// Server-side apply of <paramref name="obj"/> as <paramref name="fieldManager"/>. A server without apply
    /// (415) gets the closest equivalent instead: create when missing, else a merge patch of the given fields.
    /// </summary>
    public async Task<T> ApplyAsync(T obj, string fieldManager, bool force = true, CancellationToken ct = default)
    {
        var ns = obj.Metadata.Namespace;
        var name = NameOf(obj);
        var body = Encode(obj);
        var response = await _client.Transport.SendAsync(Request(ApiVerb.Patch, ns, name) with
        {
            Body = body, ContentType = PatchTypes.MediaType(PatchType.Apply), FieldManager = fieldManager, Force = force,
        }, ct).ConfigureAwait(false);
        if (response.StatusCode != 415) return Decode(Check(response));

        var patch = JsonNode.Parse(body.Span)!.AsObject();
        (patch["metadata"] as JsonObject)?.Remove("resourceVersion");
        try
        {
            return await PatchAsync(ns, name, PatchType.Merge, patch, fieldManager: fieldManager, ct: ct).ConfigureAwait(false);
        }
        catch (ApiStatusException e) when (e.IsNotFound)
        {
            return await CreateAsync(obj, ct: ct).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Deletes an object. Returns the object as the server left it: still present with a deletionTimestamp when
    /// finalizers hold it. 404 is an <see cref="ApiStatusException"/>; preconditions that fail are 409.
    /// </summary>
    public async Task<T> DeleteAsync(string? ns, string name, DeleteOptions? options = null, CancellationToken ct = default)
    {
        var request = Request(ApiVerb.Delete, ns, name);
        if (options is not null)
        {
            request = request with { Body = JsonSerializer.SerializeToUtf8Bytes(options, RuntimeJsonContext.Default.DeleteOptions), DryRun = options.DryRun is { Count: > 0 } };
        }
        return Decode(await SendAsync(request, ct).ConfigureAwait(false));
    }

    /// <summary>
    /// Watches a collection. Ends when the server ends the stream; throws <see cref="ApiStatusException"/> for an
    /// ERROR event (410 when the resourceVersion is too old: list again).
    /// </summary>
    public async IAsyncEnumerable<WatchEvent<T>> WatchAsync(string? ns, ListOptions options, [EnumeratorCancellation] CancellationToken ct = default)
    {
        await foreach (var raw in _client.Transport.WatchAsync(Request(ApiVerb.Watch, ns, null) with { Options = options }, ct).ConfigureAwait(false))
        {
            switch (raw.Type)
            {
                case "ADDED": yield return Event(WatchEventType.Added, raw.Object); break;
                case "MODIFIED": yield return Event(WatchEventType.Modified, raw.Object); break;
                case "DELETED": yield return Event(WatchEventType.Deleted, raw.Object); break;
                case "BOOKMARK":
                    yield return new WatchEvent<T>(WatchEventType.Bookmark, null, BookmarkVersion(raw.Object.Span));
                    break;
                case "ERROR":
                    throw new ApiStatusException(JsonSerializer.Deserialize(raw.Object.Span, RuntimeJsonContext.Default.Status) ?? new Status { Code = 500 });
            }
        }
    }

    private WatchEvent<T> Event(WatchEventType type, ReadOnlyMemory<byte> json)
    {
        var obj = JsonSerializer.Deserialize(json.Span, TypeInfo)!;
        return new WatchEvent<T>(type, obj, obj.Metadata.ResourceVersion ?? "");
    }

    private static string BookmarkVersion(ReadOnlySpan<byte> json)
    {
        using var doc = JsonDocument.Parse(json.ToArray());
        return doc.RootElement.TryGetProperty("metadata", out var meta) && meta.TryGetProperty("resourceVersion", out var rv) ? rv.GetString() ?? "" : "";
    }

    private ApiRequest Request(ApiVerb verb, string? ns, string? name) =>
        new(verb, Type) { Cluster = _client.Cluster, Namespace = Type.Namespaced ? ns : null, Name = name };

    private async Task<ReadOnlyMemory<byte>> SendAsync(ApiRequest request, CancellationToken ct) =>
        Check(await _client.Transport.SendAsync(request, ct).ConfigureAwait(false));

    private static ReadOnlyMemory<byte> Check(ApiResponse response)
    {
        if (response.IsSuccess) return response.Body;
        Status? status = null;
        try
        {
            status = JsonSerializer.Deserialize(response.Body.Span, RuntimeJsonContext.Default.Status);
        }
        catch (JsonException)
        {
        }
        status ??= new Status();
        if (status.Code == 0) status.Code = response.StatusCode;
        throw new ApiStatusException(status);
    }

    private T Decode(ReadOnlyMemory<byte> body) => JsonSerializer.Deserialize(body.Span, TypeInfo) ?? throw new JsonException("the server answered null");

    private ReadOnlyMemory<byte> Encode(T obj)
    {
        obj.ApiVersion ??= Type.ApiVersion;
        obj.Kind ??= Type.Kind;
        return JsonSerializer.SerializeToUtf8Bytes(obj, TypeInfo);
    }

    private ObjectList<T> DecodeList(ReadOnlyMemory<byte> body)
    {
        using var doc = JsonDocument.Parse(body);
        var root = doc.RootElement;
        string rv = "";
        string? next = null;
        if (root.TryGetProperty("metadata", out var meta))
        {
            if (meta.TryGetProperty("resourceVersion", out var v)) rv = v.GetString() ?? "";
            if (meta.TryGetProperty("continue", out var c)) next = c.GetString();
        }
        var items = new List<T>();
        if (root.TryGetProperty("items", out var array) && array.ValueKind == JsonValueKind.Array)
        {
            items.Capacity = array.GetArrayLength();
            foreach (var item in array.EnumerateArray())
            {
                var obj = item.Deserialize(TypeInfo)!;
                obj.ApiVersion ??= Type.ApiVersion;
                obj.Kind ??= Type.Kind;
                items.Add(obj);
            }
        }
        return new ObjectList<T>(items, rv, string.IsNullOrEmpty(next) ? null : next);
    }

    private static string NameOf(T obj) =>
        obj.Metadata.Name is { Length: > 0 } name ? name : throw new ArgumentException("the object has no metadata.name", nameof(obj));
}
