namespace Datum.Runtime.Api;

/// <summary>
/// Where a kind lives in the REST API: group, version, kind, plural resource name and scope. Typed kinds
/// declare one as <see cref="IKubeObject{TSelf}.Resource"/>; the unstructured path passes one explicitly.
/// </summary>
public sealed record ResourceType(string Group, string Version, string Kind, string Plural, bool Namespaced)
{
    /// <summary><c>v1</c> for the core group, else <c>group/version</c>.</summary>
    public string ApiVersion => Group.Length == 0 ? Version : $"{Group}/{Version}";

    /// <summary>The collection path, e.g. <c>/api/v1/namespaces/ns/configmaps</c> (all namespaces when <paramref name="ns"/> is null).</summary>
    public string CollectionPath(string? ns)
    {
        var root = Group.Length == 0 ? $"/api/{Version}" : $"/apis/{Group}/{Version}";
        return Namespaced && !string.IsNullOrEmpty(ns) ? $"{root}/namespaces/{Uri.EscapeDataString(ns)}/{Plural}" : $"{root}/{Plural}";
    }

    /// <summary>The path of one object, optionally of its subresource.</summary>
    public string ObjectPath(string? ns, string name, string? subresource = null) =>
        $"{CollectionPath(ns)}/{Uri.EscapeDataString(name)}" + (subresource is null ? "" : "/" + subresource);

    /// <inheritdoc />
    public override string ToString() => Group.Length == 0 ? Plural : $"{Plural}.{Group}";
}
