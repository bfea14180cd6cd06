using System.Text.Json.Nodes;
using Datum.Machinery.Objects;
using Datum.ResourceManager.Apis.ResourceManager.V1Alpha1;
using Datum.ResourceManager.Validation;
using Datum.Server.Registry;
using Datum.Server.Security;

namespace Datum.ResourceManager;

/// <summary>What <c>datum up</c> creates on first start: organization <c>default-org</c> and project <c>default-project</c>.</summary>
public static class DefaultTenancy
{
    /// <summary>The default organization (Standard).</summary>
    public const string Organization = "default-org";

    /// <summary>The default project.</summary>
    public const string Project = "default-project";

    private static readonly UserInfo Admin = new("system:admin", null, ["system:masters", "system:authenticated"]);

    /// <summary>Creates the default organization and project when missing; waits (up to <paramref name="timeout"/>) for the project to be Ready.</summary>
    public static async Task<bool> EnsureAsync(ResourceStore store, TimeSpan timeout, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(store);
        await CreateAsync(store, Apis.ResourceManager.V1Alpha1.Organization.Definition, new JsonObject
        {
            ["metadata"] = new JsonObject
            {
                ["name"] = Organization,
                ["annotations"] = new JsonObject { [ResourceManagerNames.DisplayNameAnnotation] = "Default Organization" },
            },
            ["spec"] = new JsonObject { ["type"] = Apis.ResourceManager.V1Alpha1.Organization.Standard },
        }, ct).ConfigureAwait(false);
        await CreateAsync(store, Apis.ResourceManager.V1Alpha1.Project.Definition, new JsonObject
        {
            ["metadata"] = new JsonObject
            {
                ["name"] = Project,
                ["annotations"] = new JsonObject { [ResourceManagerNames.DisplayNameAnnotation] = "Default Project" },
            },
            ["spec"] = new JsonObject { ["ownerRef"] = new JsonObject { ["kind"] = "Organization", ["name"] = Organization } },
        }, ct).ConfigureAwait(false);
        return await WaitReadyAsync(store, Project, timeout, ct).ConfigureAwait(false);
    }

    /// <summary>Whether project <paramref name="name"/> becomes Ready within <paramref name="timeout"/>.</summary>
    public static async Task<bool> WaitReadyAsync(ResourceStore store, string name, TimeSpan timeout, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(store);
        var deadline = DateTime.UtcNow + timeout;
        var key = StorageKeys.ObjectKey(StorageKeys.RootCluster, Apis.ResourceManager.V1Alpha1.Project.Definition, null, name);
        while (DateTime.UtcNow < deadline)
        {
            if (await store.Storage.GetAsync(key, ct).ConfigureAwait(false) is { } stored && Conditions.IsTrue(ObjectEncoding.Decode(stored.Value), "Ready")) return true;
            await Task.Delay(20, ct).ConfigureAwait(false);
        }
        return false;
    }

    private static async Task CreateAsync(ResourceStore store, ResourceDefinition definition, JsonObject obj, CancellationToken ct)
    {
        var key = StorageKeys.ObjectKey(StorageKeys.RootCluster, definition, null, ObjectFields.Name(obj)!);
        if (await store.Storage.GetAsync(key, ct).ConfigureAwait(false) is not null) return;
        try
        {
            await store.CreateAsync(new RequestScope { Definition = definition, User = Admin, FieldManager = "datum-up" }, obj, ct).ConfigureAwait(false);
        }
        catch (Datum.Machinery.Api.ApiException e) when (e.Code == 409)
        {
        }
    }
}
