using Datum.Machinery.Objects;
using Datum.ResourceManager.Apis.ResourceManager.V1Alpha1;
using Datum.ResourceManager.Controllers.Hosting;
using Datum.ResourceManager.Validation;
using Datum.Server.Registry;
using Datum.Server.Tenancy;

namespace Datum.ResourceManager.Controllers.ResourceManager;

/// <summary>
/// Projects: bootstraps the project's control plane (namespaces <c>default</c> and <c>milo-system</c>) and sets
/// <c>Ready</c>; the finalizer comes with the create (<c>ProjectStrategy</c>) and is added here only when missing. On deletion runs the staged cleanup of the <c>ResourceCleanup</c>
/// condition (<c>CleanupStarted</c> → <c>CleanupAwaitingCompletion</c>, naming what blocks → <c>CleanupComplete</c>)
/// and removes the finalizer only once no key is left under the project's storage prefix.
/// </summary>
internal sealed class ProjectController(StoreClient client, ControlPlanePurger purger, TimeProvider time) : IReconciler
{
    /// <summary>How often a running cleanup looks again.</summary>
    public static readonly TimeSpan CleanupPoll = TimeSpan.FromMilliseconds(250);

    /// <summary>The namespaces every project control plane starts with.</summary>
    public static IReadOnlyList<string> BootstrapNamespaces { get; } = ["default", "milo-system"];

    /// <summary>Watches projects in the platform.</summary>
    public static IReadOnlyList<WatchSource> Sources { get; } =
    [
        new(StorageKeys.ResourcePrefix(StorageKeys.RootCluster, Project.Definition), (key, _) => [new ReconcileRequest(StorageKeys.RootCluster, null, StorageKeys.NameOf(key))]),
    ];

    /// <inheritdoc />
    public async Task<ReconcileResult> ReconcileAsync(ReconcileRequest request, CancellationToken cancellationToken)
    {
        var name = request.Name;
        var project = await client.GetAsync(Project.Definition, StorageKeys.RootCluster, null, name, cancellationToken).ConfigureAwait(false);
        if (project is null) return ReconcileResult.Done;
        var cluster = ResourceManagerNames.ProjectCluster(name);

        if (StoreClient.IsDeleting(project))
        {
            if (!StoreClient.HasFinalizer(project, ResourceManagerNames.ProjectFinalizer)) return ReconcileResult.Done;
            if (Conditions.Find(project, Project.ResourceCleanup) is null)
            {
                await SetConditionAsync(name, Project.ResourceCleanup, "True", "CleanupStarted", "Deleting every resource in the project control plane", cancellationToken).ConfigureAwait(false);
            }
            var progress = await purger.PurgeAsync(cluster, cancellationToken).ConfigureAwait(false);
            if (!progress.Complete)
            {
                await SetConditionAsync(name, Project.ResourceCleanup, "True", "CleanupAwaitingCompletion", progress.Describe(), cancellationToken).ConfigureAwait(false);
                return new ReconcileResult(CleanupPoll);
            }
            await SetConditionAsync(name, Project.ResourceCleanup, "False", "CleanupComplete", progress.Describe(), cancellationToken).ConfigureAwait(false);
            await client.RemoveFinalizerAsync(Project.Definition, StorageKeys.RootCluster, null, name, ResourceManagerNames.ProjectFinalizer, cancellationToken).ConfigureAwait(false);
            return ReconcileResult.Done;
        }

        // Projects get the finalizer when created (ProjectStrategy); this covers objects stored before that.
        if (!StoreClient.HasFinalizer(project, ResourceManagerNames.ProjectFinalizer))
        {
            await client.AddFinalizerAsync(Project.Definition, StorageKeys.RootCluster, null, name, ResourceManagerNames.ProjectFinalizer, cancellationToken).ConfigureAwait(false);
        }
        // Both namespaces at once: the store commits them in one batch (one fsync) instead of one after the other.
        await Task.WhenAll(
            ControlPlaneBootstrap.EnsureNamespacesAsync(client.Store, cluster, ["default"], cancellationToken,
                new Dictionary<string, string> { [ResourceManagerNames.ProjectDefaultLabel] = "true" }),
            ControlPlaneBootstrap.EnsureNamespacesAsync(client.Store, cluster, BootstrapNamespaces.Skip(1), cancellationToken)).ConfigureAwait(false);
        if (!Conditions.IsTrue(project, Project.Ready) || Conditions.Find(project, Project.Ready)?["observedGeneration"]?.ToString() != ObjectFields.Generation(project).ToString(System.Globalization.CultureInfo.InvariantCulture))
        {
            await SetConditionAsync(name, Project.Ready, "True", "Ready", "Project is ready", cancellationToken).ConfigureAwait(false);
        }
        return ReconcileResult.Done;
    }

    private Task SetConditionAsync(string name, string type, string status, string reason, string message, CancellationToken ct) =>
        client.UpdateStatusAsync(Project.Definition, StorageKeys.RootCluster, null, name, obj =>
        {
            Conditions.Set(obj, type, status, reason, message, time.GetUtcNow());
            return obj;
        }, ct);
}
