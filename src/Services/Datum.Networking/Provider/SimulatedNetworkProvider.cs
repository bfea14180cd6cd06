using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Datum.Networking.Apis.Networking.V1Alpha;
using Datum.Networking.Apis.Networking.V1Alpha.Types;
using Datum.Networking.Controllers;
using Datum.Runtime.Api;
using Datum.Runtime.Client;
using Datum.Runtime.Hosting;
using Datum.Runtime.Reconcile;
using Status = Datum.Networking.Controllers.Status;

namespace Datum.Networking.Provider;

/// <summary>How the simulated provider behaves.</summary>
public sealed record SimulatedProviderOptions
{
    /// <summary>The location classes it serves (the provider contract's announcement).</summary>
    public IReadOnlyList<string> LocationClasses { get; init; } = ["datum-managed"];

    /// <summary>How long programming a context or subnet takes.</summary>
    public TimeSpan Latency { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>The fraction of objects (chosen by a hash of their uid, so stable) whose programming fails.</summary>
    public double FailureRate { get; init; }

    /// <summary>
    /// From the environment of <c>datum up</c>: <c>DATUM_SIMULATED_LATENCY_MS</c> and <c>DATUM_SIMULATED_FAILURE_RATE</c>.
    /// </summary>
    public static SimulatedProviderOptions FromEnvironment()
    {
        var options = new SimulatedProviderOptions();
        if (int.TryParse(Environment.GetEnvironmentVariable("DATUM_SIMULATED_LATENCY_MS"), out var ms) && ms >= 0) options = options with { Latency = TimeSpan.FromMilliseconds(ms) };
        if (double.TryParse(Environment.GetEnvironmentVariable("DATUM_SIMULATED_FAILURE_RATE"), System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var rate) && rate is >= 0 and <= 1)
        {
            options = options with { FailureRate = rate };
        }
        return options;
    }
}

/// <summary>
/// The simulated infrastructure provider, networking half (see docs/providers.md): for NetworkContexts, Subnets and
/// NetworkInterfaces
/// placed on Locations of the classes it serves, it adds its finalizer, reports <c>Programmed=False /
/// ProgrammingInProgress</c>, waits <see cref="SimulatedProviderOptions.Latency"/>, then reports <c>Programmed=True</c>;
/// with failure injection (a Location annotated <c>simulation.datum.net/fail-programming: MESSAGE</c>, or
/// <see cref="SimulatedProviderOptions.FailureRate"/>) it reports <c>Programmed=False / ProgrammingFailed</c> instead.
/// On deletion it "deprovisions" at once and removes its finalizer.
/// </summary>
public static class SimulatedNetworkProvider
{
    /// <summary>The provider's finalizer on the objects it programs.</summary>
    public const string Finalizer = "provider.datum.net/simulated";

    /// <summary>Location annotation that makes programming fail with its value as the message.</summary>
    public const string FailAnnotation = "simulation.datum.net/fail-programming";

    /// <summary>Adds the provider's three controllers.</summary>
    public static void Setup(Manager manager, SimulatedProviderOptions? options = null)
    {
        options ??= new SimulatedProviderOptions();
        // Status-only updates are other controllers' (or this one's own) writes: nothing to program.
        manager.NewController().For<NetworkContextObject>(EventFilters.NotStatusOnly).Named("simulated-provider-networkcontext")
            .WithOptions(new ControllerOptions { MaxConcurrentReconciles = 4 })
            .Complete(new Programmer<NetworkContextObject>(manager, options, c => c.Spec.Location.Name, c => c.Status ??= new ConditionsStatus()));
        manager.NewController().For<SubnetObject>(EventFilters.NotStatusOnly).Named("simulated-provider-subnet")
            .WithOptions(new ControllerOptions { MaxConcurrentReconciles = 4 })
            .Complete(new Programmer<SubnetObject>(manager, options, s => s.Spec.Location.Name, s => s.Status ??= new SubnetStatus()));
        // One interface per instance: as many workers as compute's provider, whose instances wait for these reports.
        manager.NewController().For<NetworkInterfaceObject>(EventFilters.NotStatusOnly).Named("simulated-provider-networkinterface")
            .WithOptions(new ControllerOptions { MaxConcurrentReconciles = 32 })
            .Complete(new Programmer<NetworkInterfaceObject>(manager, options, n => n.Spec.Location.Name, n => n.Status ??= new NetworkInterfaceStatus(), InterfaceStatusAsync));
    }

    /// <summary>
    /// The finalizer to create an object placed on <paramref name="location"/> with, so the provider's first act is
    /// not a metadata write of its own: this provider's for simulated Locations, else none.
    /// </summary>
    public static string? FinalizerFor(LocationObject? location) => location?.Spec.Provider?.Simulated is not null ? Finalizer : null;

    // Like the compute half's Ready: the interface's own conditions (Datum's rule) go in the same write as
    // Programmed, so the interface's status is one write and the interface controller finds nothing to change.
    private static async Task<Func<NetworkInterfaceObject, bool>> InterfaceStatusAsync(Datum.Runtime.Clusters.ICluster cluster, NetworkInterfaceObject nic, CancellationToken ct)
    {
        var facts = await NetworkInterfaceController.FactsAsync(cluster, nic, ct).ConfigureAwait(false);
        return n => NetworkInterfaceController.Apply(n, facts);
    }

    private sealed class Programmer<T>(Manager manager, SimulatedProviderOptions options, Func<T, string> locationOf, Func<T, ConditionsStatus> statusOf,
        Func<Datum.Runtime.Clusters.ICluster, T, CancellationToken, Task<Func<T, bool>>>? alongside = null) : IReconciler
        where T : class, IKubeObject<T>
    {
        private readonly ConcurrentDictionary<(string Uid, long Generation), DateTimeOffset> _started = new();
        private readonly OwnWrites _own = new();

        public async Task<ReconcileResult> ReconcileAsync(ReconcileRequest request, CancellationToken ct)
        {
            var cluster = manager.GetCluster(request.Cluster);
            var api = cluster.Client.Resource<T>();
            // From the informer caches (see Cached): a stale copy costs a conflict and a re-read, not a lost write.
            var obj = await Cached.GetAsync<T>(cluster, request.Namespace, request.Name, ct).ConfigureAwait(false);
            if (obj is null) return ReconcileResult.Done;
            // Woken before the cache has our last write (whose own event is filtered out): look again shortly.
            if (_own.IsStale(obj)) return ReconcileResult.RequeueAfter(NetworkInterfaceController.StaleRetry);
            var root = manager.Clusters.FirstOrDefault(c => c.Name == ClusterNames.Root);
            var location = root is not null
                ? await Cached.GetAsync<LocationObject>(root, null, locationOf(obj), ct).ConfigureAwait(false)
                : await manager.Client.ForCluster(ClusterNames.Root).Resource<LocationObject>().TryGetAsync(null, locationOf(obj), ct).ConfigureAwait(false);
            if (location is null || !options.LocationClasses.Contains(location.Spec.LocationClassName) || location.Spec.Provider?.Simulated is null)
            {
                // Not ours; still let a deleted object go if we had taken it.
                if (Finalizers.IsBeingDeleted(obj) && Finalizers.Contains(obj, Finalizer)) await RemoveFinalizerAsync(api, obj, ct).ConfigureAwait(false);
                return ReconcileResult.Done;
            }
            if (Finalizers.IsBeingDeleted(obj))
            {
                _own.Forget(obj);
                if (Finalizers.Contains(obj, Finalizer)) await RemoveFinalizerAsync(api, obj, ct).ConfigureAwait(false);
                return ReconcileResult.Done;
            }
            if (!Finalizers.Contains(obj, Finalizer))
            {
                var before = obj;
                obj = await ObjectOperations.UpdateFromAsync(api, obj, o => Finalizers.Add(o, Finalizer), ct).ConfigureAwait(false);
                _own.Wrote(before, obj);
                if (obj is null) return ReconcileResult.Done;
            }
            var generation = obj.Metadata.Generation ?? 0;
            var programmed = Status.Get(statusOf(obj), NetworkingConditions.Programmed);
            if (programmed is { Status: "True" } && programmed.ObservedGeneration == generation) return ReconcileResult.Done;
            var failure = location.Metadata.Annotations?.GetValueOrDefault(FailAnnotation)
                          ?? (Fails(obj.Metadata.Uid ?? "") ? "injected failure (DATUM_SIMULATED_FAILURE_RATE)" : null);
            if (failure is not null)
            {
                await SetAsync(cluster, api, obj, false, "ProgrammingFailed", $"location {location.Metadata.Name}: {failure}", ct).ConfigureAwait(false);
                return ReconcileResult.RequeueAfter(TimeSpan.FromSeconds(10));
            }
            var key = (obj.Metadata.Uid ?? "", generation);
            var now = DateTimeOffset.UtcNow;
            var started = _started.GetOrAdd(key, now);
            var remaining = started + options.Latency - now;
            if (remaining > TimeSpan.Zero)
            {
                await SetAsync(cluster, api, obj, false, "ProgrammingInProgress", $"programming in simulated location {location.Metadata.Name}", ct).ConfigureAwait(false);
                return ReconcileResult.RequeueAfter(remaining);
            }
            _started.TryRemove(key, out _);
            await SetAsync(cluster, api, obj, true, "Programmed", $"programmed in simulated location {location.Metadata.Name}", ct).ConfigureAwait(false);
            return ReconcileResult.Done;
        }

        private bool Fails(string uid) => options.FailureRate > 0 &&
            BitConverter.ToUInt32(SHA256.HashData(Encoding.UTF8.GetBytes(uid)), 0) / (double)uint.MaxValue < options.FailureRate;

        private async Task SetAsync(Datum.Runtime.Clusters.ICluster cluster, ResourceClient<T> api, T obj, bool value, string reason, string message, CancellationToken ct)
        {
            var also = alongside is null ? null : await alongside(cluster, obj, ct).ConfigureAwait(false);
            _own.Wrote(obj, await ObjectOperations.UpdateStatusFromAsync(api, obj, o =>
            {
                if (o.Metadata.Uid != obj.Metadata.Uid) return false;
                var changed = Status.Set(statusOf(o), o, NetworkingConditions.Programmed, value, reason, message);
                return (also?.Invoke(o) ?? false) | changed;
            }, ct).ConfigureAwait(false));
        }

        private static Task<T?> RemoveFinalizerAsync(ResourceClient<T> api, T obj, CancellationToken ct) =>
            ObjectOperations.UpdateFromAsync(api, obj, o => o.Metadata.Uid == obj.Metadata.Uid && Finalizers.Remove(o, Finalizer), ct);
    }
}

/// <summary>The simulated Locations <c>datum up</c> registers: DFW, LHR, AMS, SIN, SYD.</summary>
public static class SimulatedLocations
{
    /// <summary>(name, city code, region).</summary>
    public static IReadOnlyList<(string Name, string City, string Region)> All { get; } =
    [
        ("dfw", "DFW", "us-south"), ("lhr", "LHR", "eu-west-london"), ("ams", "AMS", "eu-west-amsterdam"),
        ("sin", "SIN", "ap-southeast"), ("syd", "SYD", "au-east"),
    ];

    /// <summary>Creates the simulated Locations that do not exist yet, unless the platform has other Locations already.</summary>
    public static async Task EnsureAsync(KubeClient root, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(root);
        var api = root.Resource<LocationObject>();
        var existing = (await api.ListAsync(null, ct: ct).ConfigureAwait(false)).Items;
        if (existing.Count > 0) return;
        foreach (var (name, city, region) in All)
        {
            try
            {
                await api.CreateAsync(new LocationObject
                {
                    Metadata = new ObjectMeta { Name = name, Labels = new() { [NetworkingNames.CityCodeTopologyKey] = city } },
                    Spec = new LocationSpec
                    {
                        LocationClassName = "datum-managed",
                        Topology = new() { [NetworkingNames.CityCodeTopologyKey] = city },
                        Provider = new LocationProvider { Simulated = new SimulatedProvider { Region = region } },
                    },
                }, ct: ct).ConfigureAwait(false);
            }
            catch (ApiStatusException e) when (e.IsAlreadyExists)
            {
            }
        }
    }
}
