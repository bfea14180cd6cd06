using System.Text.Json.Nodes;
using Datum.Machinery.Api;
using Datum.Machinery.Schema;
using Datum.Machinery.Validation;

namespace Datum.Server.Registry;

/// <summary>
/// Everything the server needs to serve one kind: its names, schema and strategy. A service adds a kind by
/// declaring one of these; routing, storage, discovery, OpenAPI and watch follow from it.
/// </summary>
public sealed record ResourceDefinition
{
    /// <summary>API group; empty for the core group.</summary>
    public required string Group { get; init; }

    /// <summary>API version (<c>v1</c>, <c>v1alpha</c>).</summary>
    public required string Version { get; init; }

    /// <summary>Kind, e.g. <c>ConfigMap</c>.</summary>
    public required string Kind { get; init; }

    /// <summary>Plural resource name used in URLs, e.g. <c>configmaps</c>.</summary>
    public required string Plural { get; init; }

    /// <summary>Whether objects live in namespaces.</summary>
    public required bool Namespaced { get; init; }

    /// <summary>The object's schema (apiVersion, kind and metadata included).</summary>
    public required SchemaNode Schema { get; init; }

    /// <summary>Singular name; defaults to the lower-cased kind.</summary>
    public string? SingularName { get; init; }

    /// <summary>Short names for kubectl (<c>cm</c>).</summary>
    public IReadOnlyList<string> ShortNames { get; init; } = [];

    /// <summary>Categories (<c>all</c>).</summary>
    public IReadOnlyList<string> Categories { get; init; } = [];

    /// <summary>Create/update rules of this kind.</summary>
    public IResourceStrategy Strategy { get; init; } = new ResourceStrategy();

    /// <summary>
    /// A cluster-scoped kind stored only in the platform control plane (<c>root</c>) and read from there through
    /// every other plane (Locations): organization and project planes see the platform's objects. Admission decides
    /// who may write them from where.
    /// </summary>
    public bool ServedFromPlatform { get; init; }

    /// <summary>Whether the kind has a <c>/status</c> subresource (status is then written only there).</summary>
    public bool HasStatusSubresource { get; init; }

    /// <summary>Whether strategic merge patch is accepted (Kubernetes built-ins only); others get 415.</summary>
    public bool SupportsStrategicMergePatch { get; init; }

    /// <summary>How names are checked.</summary>
    public NameRules.Format NameFormat { get; init; } = NameRules.Format.Subdomain;

    /// <summary>Field selectors beyond <c>metadata.name</c> and <c>metadata.namespace</c>, by field path.</summary>
    public IReadOnlyDictionary<string, Func<JsonObject, string?>> SelectableFields { get; init; } =
        new Dictionary<string, Func<JsonObject, string?>>();

    /// <summary>Objects of this kind exist only in the platform control plane (see <see cref="PlatformOnlyAdmission"/>).</summary>
    public bool PlatformOnly { get; init; }

    /// <summary>Subresources with their own handlers, by name (besides <c>status</c>).</summary>
    public IReadOnlyList<ISubresource> Subresources { get; init; } = [];

    /// <summary>Columns of <c>kubectl get</c> besides NAME and AGE.</summary>
    public IReadOnlyList<PrinterColumn> PrinterColumns { get; init; } = [];

    /// <summary>
    /// For virtual kinds that are only ever created and never stored (reviews): computes the response.
    /// When set, the kind supports only <c>create</c>.
    /// </summary>
    public Func<ReviewContext, JsonObject, CancellationToken, Task<JsonObject>>? Review { get; init; }

    /// <summary>The kind's group, version and kind.</summary>
    public GroupVersionKind GroupVersionKind => new(Group, Version, Kind);

    /// <summary><c>apiVersion</c> value.</summary>
    public string ApiVersion => GroupVersionKind.ApiVersion;

    /// <summary>The singular name.</summary>
    public string Singular => SingularName ?? Kind.ToLowerInvariant();

    /// <summary>The list kind (<c>ConfigMapList</c>).</summary>
    public string ListKind => Kind + "List";

    /// <summary>The verbs this kind supports, for discovery and OpenAPI.</summary>
    public IReadOnlyList<string> Verbs => Review is not null
        ? ["create"]
        : ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"];
}

/// <summary>A column of table output (<c>additionalPrinterColumns</c>).</summary>
/// <param name="Priority">0 shows always; above 0 only with <c>-o wide</c>.</param>
public sealed record PrinterColumn(string Name, string Type, string JsonPath, string Description = "", int Priority = 0, string Format = "")
{
    /// <summary>Computes the cell in code instead of by <see cref="JsonPath"/> (built-in kinds print derived values, such as counts).</summary>
    public Func<JsonObject, JsonNode?>? Compute { get; init; }

    /// <summary>A column whose cell counts the entries of the maps or lists at <paramref name="paths"/> (0 when absent).</summary>
    public static PrinterColumn Count(string name, string description, params string[] paths) =>
        new(name, "integer", paths[0], description)
        {
            Compute = obj => paths.Sum(path => obj[path] switch { JsonObject map => map.Count, JsonArray list => list.Count, _ => 0 }),
        };
}

/// <summary>Who asks, for virtual review kinds.</summary>
public sealed record ReviewContext(Security.UserInfo User, string Cluster);
