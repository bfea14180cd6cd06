using System.Text.Json.Nodes;
using Datum.Compute.Apis.Compute.V1Alpha;
using Datum.Compute.Apis.Compute.V1Alpha.Types;
using Datum.Compute.Controllers;
using Datum.Networking;
using Datum.Networking.Apis.Networking.V1Alpha.Types;
using Datum.Networking.Controllers;
using Datum.Networking.Provider;
using Datum.Runtime.Api;
using Datum.Runtime.Api.Kinds;
using Datum.Runtime.Client;
using Datum.Runtime.Hosting;
using Datum.Runtime.InProcess;
using Datum.Server.Hosting;
using Datum.Testing;

namespace Datum.Compute.Tests;

/// <summary>
/// A server with networking and compute (admission included) in this process, the simulated Locations, and one manager
/// running the networking and compute controllers and both halves of the simulated provider on the platform plane.
/// </summary>
public sealed class ComputeFixture : InProcessControlPlaneFixture
{
    private static int s_counter;

    /// <summary>The requests every client of the fixture made, per kind and verb.</summary>
    public CountingTransport Requests { get; private set; } = null!;

    public ComputeFixture()
        : this(TimeSpan.FromMilliseconds(20))
    {
    }

    internal ComputeFixture(TimeSpan latency)
        : base("datum-compute-") => Latency = latency;

    /// <summary>Provider latency; zero for benchmarks.</summary>
    public TimeSpan Latency { get; }

    public static string UniqueName(string prefix) => $"{prefix}-{Interlocked.Increment(ref s_counter)}-{Environment.ProcessId % 1000}";

    protected override DatumServerOptions AddServices(DatumServerOptions options) => options.AddNetworking().AddCompute();

    protected override IApiTransport Transport(IApiTransport inProcess) => Requests = new CountingTransport(inProcess);

    protected override async Task SetUpAsync()
    {
        await SimulatedLocations.EnsureAsync(Client, CancellationToken.None);
        var options = new SimulatedProviderOptions { Latency = Latency };
        NetworkingControllers.Setup(Manager);
        NetworkingControllers.SetupSimulatedProvider(Manager, options);
        ComputeControllers.Setup(Manager);
        ComputeControllers.SetupSimulatedProvider(Manager, options);
    }

    public async Task<string> NamespaceAsync(string prefix)
    {
        var ns = UniqueName(prefix);
        await Client.Resource<Namespace>().CreateAsync(new Namespace { Metadata = new ObjectMeta { Name = ns } });
        return ns;
    }

    public Task<NetworkObject> NetworkAsync(string ns, string name = "default") =>
        Client.Resource<NetworkObject>().CreateAsync(new NetworkObject { Metadata = new ObjectMeta { Name = name, Namespace = ns }, Spec = new NetworkSpec { Ipam = new NetworkIpam { Mode = "Auto" } } });

    public static InstanceTemplate Template(string image = "docker.io/library/nginx:1.27", string network = "default") => new()
    {
        Metadata = new TemplateMeta { Labels = new() { ["app"] = "hello" } },
        Spec = new InstanceSpec
        {
            Runtime = JsonNode.Parse($$$"""{"resources": {"instanceType": "datumcloud/d1-standard-2"}, "sandbox": {"containers": [{"name": "web", "image": "{{{image}}}", "ports": [{"name": "http", "port": 80}]}]}}""")!.AsObject(),
            NetworkInterfaces = [new NetworkInterface { Network = new NameRef { Name = network } }],
        },
    };

    public static WorkloadObject Workload(string ns, string name, int replicas, params (string Placement, string[] Cities)[] placements) => new()
    {
        Metadata = new ObjectMeta { Name = name, Namespace = ns },
        Spec = new WorkloadSpec
        {
            Template = Template(),
            Placements = [.. placements.Select(p => new Placement { Name = p.Placement, CityCodes = [.. p.Cities], ScaleSettings = new ScaleSettings { MinReplicas = replicas } })],
        },
    };

    public async Task<T?> GetAsync<T>(string ns, string name) where T : class, IKubeObject<T> => await Client.Resource<T>().TryGetAsync(ns, name);

    public async Task<IReadOnlyList<T>> ListAsync<T>(string? ns) where T : class, IKubeObject<T> => (await Client.Resource<T>().ListAsync(ns)).Items;

    public static bool ConditionIs(ConditionsStatus? status, string type, string value, string? reason = null) =>
        status?.Conditions?.FirstOrDefault(c => c.Type == type) is { } c && c.Status == value && (reason is null || c.Reason == reason);

    /// <summary>Polls until true (a value-less wait used for readability).</summary>
    public static async Task<bool> EventuallyValueAsync(Func<Task<bool>> condition)
    {
        await EventuallyAsync(condition, "condition");
        return true;
    }
}

[CollectionDefinition("compute")]
public sealed class ComputeCollection : ICollectionFixture<ComputeFixture>;
