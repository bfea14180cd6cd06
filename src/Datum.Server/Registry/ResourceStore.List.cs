using System.Globalization;
using System.Text.Json.Nodes;
using Datum.Machinery.Api;
using Datum.Machinery.Objects;
using Datum.Storage;

namespace Datum.Server.Registry;

public sealed partial class ResourceStore
{
    /// <summary>One page of a list, with the continue token for the next.</summary>
    public sealed record ListResult(IReadOnlyList<StoredObject> Items, long Revision, string? Continue);

    /// <summary>Lists a collection, honouring selectors, pagination and resourceVersion semantics.</summary>
    public async Task<ListResult> ListAsync(RequestScope scope, ListQuery query, CancellationToken ct)
    {
        var prefix = StorageKeys.CollectionPrefix(scope.Cluster, scope.Definition, scope.Namespace);
        long revision = 0;
        string? startAfter = null;
        if (!string.IsNullOrEmpty(query.Continue))
        {
            if (!string.IsNullOrEmpty(query.ResourceVersion) && query.ResourceVersion != "0")
            {
                throw ApiException.BadRequest("specifying resource version is not allowed when using continue");
            }
            var token = ContinueToken.Decode(query.Continue);
            revision = token.Revision;
            startAfter = prefix + token.StartAfter;
        }
        else if (query.Limit > 0 && ParseRv(query.ResourceVersion) is > 0 and var exact &&
                 query.ResourceVersionMatch is null or "Exact")
        {
            revision = exact;
        }
        else if (query.ResourceVersionMatch == "Exact")
        {
            revision = ParseRv(query.ResourceVersion) is > 0 and var r ? r
                : throw ApiException.BadRequest("resourceVersionMatch: Forbidden: resourceVersionMatch \"Exact\" is forbidden for resourceVersion \"0\" or unset");
        }

        var filter = Filter(scope, query);
        ListPage page;
        try
        {
            page = await store.ListAsync(prefix, new ListRequest(revision, startAfter, query.Limit, filter), ct).ConfigureAwait(false);
        }
        catch (RevisionCompactedException e) when (!string.IsNullOrEmpty(query.Continue))
        {
            throw ApiException.Expired($"The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter. ({e.Message})");
        }
        catch (RevisionCompactedException e)
        {
            throw ApiException.Expired($"too old resource version: {e.Requested} ({e.Compacted})");
        }
        catch (FutureRevisionException e)
        {
            throw new ApiException(504, "Timeout", $"Too large resource version: {e.Requested}, current: {store.CurrentRevision}");
        }
        string? next = null;
        if (page.HasMore && page.Items.Count > 0)
        {
            next = new ContinueToken(page.Revision, page.Items[^1].Key[prefix.Length..]).Encode();
        }
        return new ListResult(page.Items, page.Revision, next);
    }

    /// <summary>The predicate for a query's selectors, or null when it selects everything.</summary>
    public static Func<StoredObject, bool>? Filter(RequestScope scope, ListQuery query)
    {
        var fieldReaders = FieldReaders(scope.Definition, query);
        if (query.Labels.IsEverything && query.Fields.IsEverything) return null;
        var nameOnly = query.Fields.Requirements.All(r => r.Field is "metadata.name" or "metadata.namespace");
        return stored =>
        {
            if (nameOnly && query.Labels.IsEverything)
            {
                return query.Fields.Matches(field => field == "metadata.name" ? StorageKeys.NameOf(stored.Key) : NamespaceOf(scope, stored.Key));
            }
            var obj = ObjectEncoding.Decode(stored.Value);
            return Matches(obj, query, fieldReaders);
        };
    }

    /// <summary>Whether a decoded object matches a query's selectors.</summary>
    public static bool Matches(JsonObject obj, ListQuery query, IReadOnlyDictionary<string, Func<JsonObject, string?>> fieldReaders) =>
        query.Labels.Matches(ObjectFields.Labels(obj)) &&
        query.Fields.Matches(field => fieldReaders.TryGetValue(field, out var read) ? read(obj) : null);

    /// <summary>The field readers a query may use; throws 400 for fields the kind does not support.</summary>
    public static IReadOnlyDictionary<string, Func<JsonObject, string?>> FieldReaders(ResourceDefinition definition, ListQuery query)
    {
        var readers = new Dictionary<string, Func<JsonObject, string?>>(StringComparer.Ordinal)
        {
            ["metadata.name"] = ObjectFields.Name,
        };
        if (definition.Namespaced) readers["metadata.namespace"] = o => ObjectFields.Namespace(o) ?? "";
        foreach (var (field, read) in definition.SelectableFields) readers[field] = read;
        foreach (var requirement in query.Fields.Requirements)
        {
            if (!readers.ContainsKey(requirement.Field))
            {
                var known = string.Join(", ", readers.Keys.Select(k => $"\"{k}\""));
                throw ApiException.BadRequest($"\"{requirement.Field}\" is not a known field selector: only {known}");
            }
        }
        return readers;
    }

    private static string NamespaceOf(RequestScope scope, string key)
    {
        if (!scope.Definition.Namespaced) return "";
        var parts = key.Split('/');
        return parts.Length >= 2 ? parts[^2] : "";
    }

    /// <summary>Parses a resourceVersion parameter; 400 when it is not a number.</summary>
    public static long? ParseRv(string? value)
    {
        if (string.IsNullOrEmpty(value)) return null;
        if (long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var rv)) return rv;
        throw ApiException.BadRequest($"invalid resource version \"{value}\": resourceVersion must be a non-negative integer");
    }
}
