namespace Datum.Server.Http;

/// <summary>
/// What a resource URL addresses, following the apiserver's rules: <c>/api/v1/...</c> or
/// <c>/apis/{group}/{version}/...</c>, then <c>[namespaces/{ns}/]{resource}[/{name}[/{subresource}]]</c>.
/// </summary>
public sealed record RequestInfo(
    string Group,
    string Version,
    string? Namespace,
    string Resource,
    string? Name,
    string? Subresource,
    bool LegacyWatchPath)
{
    private static readonly HashSet<string> NamespaceSubresources = new(StringComparer.Ordinal) { "status", "finalize" };

    /// <summary>Parses a resource path, or returns null when the path is not one (discovery, unknown).</summary>
    public static RequestInfo? Parse(string path)
    {
        var parts = path.Trim('/').Split('/');
        int index;
        string group, version;
        if (parts.Length >= 3 && parts[0] == "api")
        {
            group = "";
            version = parts[1];
            index = 2;
        }
        else if (parts.Length >= 4 && parts[0] == "apis")
        {
            group = parts[1];
            version = parts[2];
            index = 3;
        }
        else
        {
            return null;
        }

        var rest = parts[index..];
        var watch = false;
        if (rest.Length > 0 && rest[0] == "watch")
        {
            watch = true;
            rest = rest[1..];
        }
        if (rest.Length == 0 || rest.Any(p => p.Length == 0)) return null;

        string? ns = null;
        if (rest[0] == "namespaces" && rest.Length >= 2)
        {
            if (rest.Length == 2 || (rest.Length == 3 && NamespaceSubresources.Contains(rest[2])))
            {
                // The namespace object itself: /namespaces/{name}[/status|/finalize].
                return new RequestInfo(group, version, null, "namespaces", rest[1], rest.Length == 3 ? rest[2] : null, watch);
            }
            ns = rest[1];
            rest = rest[2..];
        }
        if (rest.Length > 3) return null;
        return new RequestInfo(group, version, ns, rest[0], rest.Length > 1 ? rest[1] : null, rest.Length > 2 ? rest[2] : null, watch);
    }
}
