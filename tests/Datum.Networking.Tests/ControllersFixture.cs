using Datum.Networking.Apis.Networking.V1Alpha.Types;
using Datum.Networking.Controllers;
using Datum.Networking.Provider;
using Datum.ResourceManager;
using Datum.Runtime.Api;
using Datum.Runtime.Api.Kinds;
using Datum.Runtime.Client;
using Datum.Runtime.Hosting;
using Datum.Runtime.InProcess;
using Datum.Server.Hosting;
using Datum.Testing;

namespace Datum.Networking.Tests;

/// <summary>A real server (temp data directory) with networking, the simulated Locations, and a manager running the networking controllers and the simulated provider.</summary>
public sealed class ControllersFixture() : InProcessControlPlaneFixture("datum-netctl-")
{
    private static int s_counter;

    protected override DatumServerOptions AddServices(DatumServerOptions options) => options.AddResourceManager().AddNetworking();

    protected override async Task SetUpAsync()
    {
        await SimulatedLocations.EnsureAsync(Client, CancellationToken.None);
        NetworkingControllers.Setup(Manager);
        NetworkingControllers.SetupSimulatedProvider(Manager, new SimulatedProviderOptions { Latency = TimeSpan.FromMilliseconds(20) });
    }

    public async Task<string> NamespaceAsync(string prefix)
    {
        var ns = $"{prefix}-{Interlocked.Increment(ref s_counter)}";
        await Client.Resource<Namespace>().CreateAsync(new Namespace { Metadata = new ObjectMeta { Name = ns } });
        return ns;
    }

    /// <summary>A network and its binding to a location.</summary>
    public async Task NetworkAsync(string ns, string location, string? range = null, params string[] families)
    {
        await Client.Resource<NetworkObject>().CreateAsync(new NetworkObject
        {
            Metadata = new ObjectMeta { Name = "net", Namespace = ns },
            Spec = new NetworkSpec { Ipam = new NetworkIpam { Mode = "Auto", Ipv4Range = range }, IpFamilies = families.Length == 0 ? null : [.. families] },
        });
        await Client.Resource<NetworkBindingObject>().CreateAsync(new NetworkBindingObject
        {
            Metadata = new ObjectMeta { Name = $"bind-{location}", Namespace = ns },
            Spec = new NetworkBindingSpec { Network = new NameRef { Name = "net" }, Location = new NameRef { Name = location } },
        });
    }

    public Task<NetworkInterfaceClaimObject> ClaimAsync(string ns, string name, string location, string? reclaim = null) =>
        Client.Resource<NetworkInterfaceClaimObject>().CreateAsync(new NetworkInterfaceClaimObject
        {
            Metadata = new ObjectMeta { Name = name, Namespace = ns },
            Spec = new NetworkInterfaceClaimSpec { Network = new NameRef { Name = "net" }, Location = new NameRef { Name = location }, ReclaimPolicy = reclaim },
        });

    public static bool Is(ConditionsStatus? status, string type, string value, string? reason = null) =>
        status?.Conditions?.FirstOrDefault(c => c.Type == type) is { } c && c.Status == value && (reason is null || c.Reason == reason);
}

[CollectionDefinition("controllers")]
public sealed class ControllersCollection : ICollectionFixture<ControllersFixture>;
