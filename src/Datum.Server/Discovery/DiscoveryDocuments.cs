using System.Security.Cryptography;
using System.Text.Json;
using Datum.Server.Http;
using Datum.Server.Registry;
using Microsoft.AspNetCore.Http;

namespace Datum.Server.Discovery;

/// <summary>
/// Legacy discovery (<c>/api</c>, <c>/api/v1</c>, <c>/apis</c>, <c>/apis/{g}</c>, <c>/apis/{g}/{v}</c>) and
/// aggregated discovery (<c>apidiscovery.k8s.io/v2</c> on <c>/api</c> and <c>/apis</c>), built from the catalog
/// and rebuilt whenever it changes.
/// </summary>
public sealed class DiscoveryDocuments(ResourceCatalog catalog)
{
    private const string AggregatedV2 = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList";
    private const string AggregatedV2Beta1 = "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList";
    private Snapshot? _snapshot;

    private sealed record Snapshot(long Generation, Dictionary<string, byte[]> Documents);

    /// <summary>Serves a discovery path; false when <paramref name="path"/> is not one.</summary>
    public async Task<bool> TryServeAsync(HttpContext context, string path, CancellationToken ct)
    {
        var documents = Current().Documents;
        path = path.TrimEnd('/');
        if (path is "/api" or "/apis")
        {
            var accept = context.Request.Headers.Accept.ToString();
            var aggregated = accept.Contains("as=APIGroupDiscoveryList", StringComparison.Ordinal);
            if (aggregated)
            {
                var beta = !accept.Contains("v=v2;", StringComparison.Ordinal) && !accept.EndsWith("v=v2", StringComparison.Ordinal) && accept.Contains("v=v2beta1", StringComparison.Ordinal);
                var body = documents[path + (beta ? "#aggregated-v2beta1" : "#aggregated")];
                var etag = "\"" + Convert.ToHexString(SHA256.HashData(body))[..32] + "\"";
                context.Response.Headers.ETag = etag;
                context.Response.Headers.CacheControl = "public";
                context.Response.Headers.Vary = "Accept";
                if (context.Request.Headers.IfNoneMatch.ToString() == etag)
                {
                    context.Response.StatusCode = 304;
                    return true;
                }
                context.Response.StatusCode = 200;
                context.Response.ContentType = beta ? AggregatedV2Beta1 : AggregatedV2;
                context.Response.ContentLength = body.Length;
                await context.Response.Body.WriteAsync(body, ct).ConfigureAwait(false);
                return true;
            }
        }
        if (!documents.TryGetValue(path, out var document)) return false;
        await ResponseWriter.WriteJsonAsync(context, 200, document, ct).ConfigureAwait(false);
        return true;
    }

    private Snapshot Current()
    {
        var generation = catalog.Generation;
        var snapshot = Volatile.Read(ref _snapshot);
        if (snapshot is not null && snapshot.Generation == generation) return snapshot;
        snapshot = new Snapshot(generation, Build());
        Volatile.Write(ref _snapshot, snapshot);
        return snapshot;
    }

    private Dictionary<string, byte[]> Build()
    {
        var all = catalog.All();
        var docs = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        var core = all.Where(d => d.Group.Length == 0).ToList();
        var groups = all.Where(d => d.Group.Length > 0).GroupBy(d => d.Group).OrderBy(g => g.Key, StringComparer.Ordinal).ToList();

        docs["/api"] = ResponseWriter.Build(w =>
        {
            w.WriteStartObject();
            w.WriteString("kind", "APIVersions");
            w.WriteStartArray("versions");
            foreach (var version in core.Select(d => d.Version).Distinct()) w.WriteStringValue(version);
            w.WriteEndArray();
            w.WriteStartArray("serverAddressByClientCIDRs");
            w.WriteStartObject();
            w.WriteString("clientCIDR", "0.0.0.0/0");
            w.WriteString("serverAddress", "");
            w.WriteEndObject();
            w.WriteEndArray();
            w.WriteEndObject();
        });
        foreach (var byVersion in core.GroupBy(d => d.Version))
        {
            docs["/api/" + byVersion.Key] = ResourceList(byVersion.Key, byVersion.ToList());
        }

        docs["/apis"] = ResponseWriter.Build(w =>
        {
            w.WriteStartObject();
            w.WriteString("kind", "APIGroupList");
            w.WriteString("apiVersion", "v1");
            w.WriteStartArray("groups");
            foreach (var group in groups) WriteGroup(w, group.Key, Versions(group));
            w.WriteEndArray();
            w.WriteEndObject();
        });
        foreach (var group in groups)
        {
            docs["/apis/" + group.Key] = ResponseWriter.Build(w =>
            {
                w.WriteStartObject();
                w.WriteString("kind", "APIGroup");
                w.WriteString("apiVersion", "v1");
                WriteGroupBody(w, group.Key, Versions(group));
                w.WriteEndObject();
            });
            foreach (var byVersion in group.GroupBy(d => d.Version))
            {
                docs[$"/apis/{group.Key}/{byVersion.Key}"] = ResourceList($"{group.Key}/{byVersion.Key}", byVersion.ToList());
            }
        }

        foreach (var (suffix, version) in new[] { ("#aggregated", "v2"), ("#aggregated-v2beta1", "v2beta1") })
        {
            docs["/api" + suffix] = Aggregated(version, core.Count == 0 ? [] : [("", core)]);
            docs["/apis" + suffix] = Aggregated(version, groups.Select(g => (g.Key, g.ToList())).ToList());
        }
        return docs;
    }

    private static List<string> Versions(IEnumerable<ResourceDefinition> group) =>
        group.Select(d => d.Version).Distinct().OrderByDescending(VersionPriority.Rank).ToList();

    private static void WriteGroup(Utf8JsonWriter w, string name, List<string> versions)
    {
        w.WriteStartObject();
        WriteGroupBody(w, name, versions);
        w.WriteEndObject();
    }

    private static void WriteGroupBody(Utf8JsonWriter w, string name, List<string> versions)
    {
        w.WriteString("name", name);
        w.WriteStartArray("versions");
        foreach (var v in versions)
        {
            w.WriteStartObject();
            w.WriteString("groupVersion", $"{name}/{v}");
            w.WriteString("version", v);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteStartObject("preferredVersion");
        w.WriteString("groupVersion", $"{name}/{versions[0]}");
        w.WriteString("version", versions[0]);
        w.WriteEndObject();
    }

    private static byte[] ResourceList(string groupVersion, List<ResourceDefinition> definitions) => ResponseWriter.Build(w =>
    {
        w.WriteStartObject();
        w.WriteString("kind", "APIResourceList");
        w.WriteString("apiVersion", "v1");
        w.WriteString("groupVersion", groupVersion);
        w.WriteStartArray("resources");
        foreach (var d in definitions)
        {
            w.WriteStartObject();
            w.WriteString("name", d.Plural);
            w.WriteString("singularName", d.Singular);
            w.WriteBoolean("namespaced", d.Namespaced);
            w.WriteString("kind", d.Kind);
            WriteStrings(w, "verbs", d.Verbs);
            if (d.ShortNames.Count > 0) WriteStrings(w, "shortNames", d.ShortNames);
            if (d.Categories.Count > 0) WriteStrings(w, "categories", d.Categories);
            w.WriteEndObject();
            if (d.HasStatusSubresource)
            {
                w.WriteStartObject();
                w.WriteString("name", d.Plural + "/status");
                w.WriteString("singularName", "");
                w.WriteBoolean("namespaced", d.Namespaced);
                w.WriteString("kind", d.Kind);
                WriteStrings(w, "verbs", ["get", "patch", "update"]);
                w.WriteEndObject();
            }
            foreach (var sub in d.Subresources)
            {
                w.WriteStartObject();
                w.WriteString("name", $"{d.Plural}/{sub.Name}");
                w.WriteString("singularName", "");
                w.WriteBoolean("namespaced", d.Namespaced);
                if (sub.ResponseKind.Group.Length > 0) w.WriteString("group", sub.ResponseKind.Group);
                w.WriteString("version", sub.ResponseKind.Version);
                w.WriteString("kind", sub.ResponseKind.Kind);
                WriteStrings(w, "verbs", sub.Verbs);
                w.WriteEndObject();
            }
        }
        w.WriteEndArray();
        w.WriteEndObject();
    });

    private static byte[] Aggregated(string version, List<(string Group, List<ResourceDefinition> Definitions)> groups) => ResponseWriter.Build(w =>
    {
        w.WriteStartObject();
        w.WriteString("kind", "APIGroupDiscoveryList");
        w.WriteString("apiVersion", $"apidiscovery.k8s.io/{version}");
        w.WriteStartObject("metadata");
        w.WriteEndObject();
        w.WriteStartArray("items");
        foreach (var (group, definitions) in groups)
        {
            w.WriteStartObject();
            w.WriteStartObject("metadata");
            w.WriteString("name", group);
            w.WriteEndObject();
            w.WriteStartArray("versions");
            foreach (var v in Versions(definitions))
            {
                w.WriteStartObject();
                w.WriteString("version", v);
                w.WriteStartArray("resources");
                foreach (var d in definitions.Where(d => d.Version == v))
                {
                    w.WriteStartObject();
                    w.WriteString("resource", d.Plural);
                    WriteKind(w, "responseKind", d);
                    w.WriteString("scope", d.Namespaced ? "Namespaced" : "Cluster");
                    w.WriteString("singularResource", d.Singular);
                    WriteStrings(w, "verbs", d.Verbs);
                    if (d.ShortNames.Count > 0) WriteStrings(w, "shortNames", d.ShortNames);
                    if (d.Categories.Count > 0) WriteStrings(w, "categories", d.Categories);
                    if (d.HasStatusSubresource || d.Subresources.Count > 0)
                    {
                        w.WriteStartArray("subresources");
                        if (d.HasStatusSubresource)
                        {
                            w.WriteStartObject();
                            w.WriteString("subresource", "status");
                            WriteKind(w, "responseKind", d);
                            WriteStrings(w, "verbs", ["get", "patch", "update"]);
                            w.WriteEndObject();
                        }
                        foreach (var sub in d.Subresources)
                        {
                            w.WriteStartObject();
                            w.WriteString("subresource", sub.Name);
                            w.WriteStartObject("responseKind");
                            w.WriteString("group", sub.ResponseKind.Group);
                            w.WriteString("version", sub.ResponseKind.Version);
                            w.WriteString("kind", sub.ResponseKind.Kind);
                            w.WriteEndObject();
                            WriteStrings(w, "verbs", sub.Verbs);
                            w.WriteEndObject();
                        }
                        w.WriteEndArray();
                    }
                    w.WriteEndObject();
                }
                w.WriteEndArray();
                w.WriteString("freshness", "Current");
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteEndObject();
    });

    private static void WriteKind(Utf8JsonWriter w, string name, ResourceDefinition d)
    {
        w.WriteStartObject(name);
        w.WriteString("group", d.Group);
        w.WriteString("version", d.Version);
        w.WriteString("kind", d.Kind);
        w.WriteEndObject();
    }

    private static void WriteStrings(Utf8JsonWriter w, string name, IEnumerable<string> values)
    {
        w.WriteStartArray(name);
        foreach (var v in values) w.WriteStringValue(v);
        w.WriteEndArray();
    }
}
