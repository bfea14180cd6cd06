namespace Datum.ResourceManager.Apis.ResourceManager.V1Alpha1;

/// <summary>Names of the <c>resourcemanager.miloapis.com</c> group: labels, annotations, finalizers, namespaces.</summary>
public static class ResourceManagerNames
{
    /// <summary>The API group.</summary>
    public const string Group = "resourcemanager.miloapis.com";

    /// <summary>The version served.</summary>
    public const string Version = "v1alpha1";

    /// <summary>Label naming a project's organization (also forced on project lists in organization context).</summary>
    public const string OrganizationNameLabel = "resourcemanager.miloapis.com/organization-name";

    /// <summary>Label on an organization's namespace naming the organization.</summary>
    public const string OrganizationLabel = "resourcemanager.miloapis.com/organization";

    /// <summary>Label on an organization's namespace: <c>organization</c>.</summary>
    public const string TypeLabel = "resourcemanager.miloapis.com/type";

    /// <summary>Label on a project control plane's <c>default</c> namespace.</summary>
    public const string ProjectDefaultLabel = "miloapis.com/project-default";

    /// <summary>Display-name annotation (a printer column).</summary>
    public const string DisplayNameAnnotation = "kubernetes.io/display-name";

    /// <summary>Description annotation.</summary>
    public const string DescriptionAnnotation = "kubernetes.io/description";

    /// <summary>Annotation the organization admission records: the user whose membership the controller creates.</summary>
    public const string CreatorAnnotation = "resourcemanager.miloapis.com/creator";

    /// <summary>The project controller's finalizer.</summary>
    public const string ProjectFinalizer = "resourcemanager.miloapis.com/project-controller";

    /// <summary>The organization controller's finalizer (it empties the organization's control plane).</summary>
    public const string OrganizationFinalizer = "resourcemanager.miloapis.com/organization-controller";

    /// <summary>The role an organization's creator gets.</summary>
    public const string OwnerRole = "owner";

    /// <summary>The namespace of the assignable organization roles.</summary>
    public const string OwnerRoleNamespace = "datum-cloud";

    /// <summary>The platform namespace of an organization: <c>organization-{org}</c>.</summary>
    public static string OrganizationNamespace(string organization) => "organization-" + organization;

    /// <summary>The storage cluster of an organization's control plane.</summary>
    public static string OrganizationCluster(string organization) => "org:" + organization;

    /// <summary>The storage cluster of a project's control plane.</summary>
    public static string ProjectCluster(string project) => "project:" + project;

    /// <summary>The URL prefix of an organization's control plane.</summary>
    public static string OrganizationPrefix(string organization) => $"/apis/{Group}/{Version}/organizations/{organization}/control-plane";

    /// <summary>The URL prefix of a project's control plane.</summary>
    public static string ProjectPrefix(string project) => $"/apis/{Group}/{Version}/projects/{project}/control-plane";
}
