using Datum.Server.Authorization;
using Datum.Server.Registry;

namespace Datum.Server.Builtins;

/// <summary>The Kubernetes kinds of a generic control plane.</summary>
public static class BuiltinKinds
{
    /// <summary>Adds them to <paramref name="catalog"/>.</summary>
    public static void AddTo(ResourceCatalog catalog, IAuthorizer authorizer)
    {
        catalog.Add(NamespaceKind.Definition);
        catalog.Add(ConfigMapKind.Definition);
        catalog.Add(SecretKind.Definition);
        catalog.Add(EventKind.Definition);
        catalog.Add(LeaseKind.Definition);
        catalog.Add(ServiceAccountKind.Definition);
        catalog.Add(SelfSubjectAccessReviewKind.Create(authorizer));
        catalog.Add(SelfSubjectRulesReviewKind.Create(authorizer));
        catalog.Add(SelfSubjectReviewKind.Definition);
        catalog.Add(CustomResources.CustomResourceDefinitionKind.Definition);
    }
}
