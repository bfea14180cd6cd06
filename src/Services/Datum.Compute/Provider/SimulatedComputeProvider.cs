using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using Datum.Compute.Apis.Compute.V1Alpha;
using Datum.Compute.Apis.Compute.V1Alpha.Types;
using Datum.Compute.Controllers;
using Datum.Networking.Apis.Networking.V1Alpha;
using Datum.Networking.Apis.Networking.V1Alpha.Types;
using Datum.Networking.Provider;
using Datum.Runtime.Api;
using Datum.Runtime.Client;
using Datum.Runtime.Clusters;
using Datum.Runtime.Hosting;
using Datum.Runtime.Reconcile;

namespace Datum.Compute.Provider;

/// <summary>
/// The simulated infrastructure provider, compute half (the networking half is <see cref="SimulatedNetworkProvider"/>;
/// same options, finalizer and failure annotation). For Instances on simulated Locations of the classes it serves, once
/// their scheduling gates are gone: adds its finalizer, reports <c>Programmed=False/ProgrammingInProgress</c> and
/// <c>Running=False/Starting</c>, waits <see cref="SimulatedProviderOptions.Latency"/> (plus the instance's
/// <c>simulation.datum.net/start-delay-ms</c> annotation: a slow start), then reports <c>Programmed=True</c>,
/// <c>Running=True</c>, the observed template hash and the addresses in <c>status.networkInterfaces[].assignments</c>:
/// those of NetworkInterface <c>{instance}-net-{i}</c>, which IPAM allocated for the instance's interface claim.
/// Failures: the instance's or the Location's
/// <c>simulation.datum.net/fail-programming: MESSAGE</c> annotation, or <see cref="SimulatedProviderOptions.FailureRate"/>,
/// report <c>Programmed=False/ProgrammingFailed</c> and <c>Running=False/Stopped</c>; removing the annotation recovers.
/// Deletion "deprovisions" at once.
/// </summary>
public static class SimulatedComputeProvider
{
    /// <summary>Instance annotation adding a start delay, in milliseconds (slow starts).</summary>
    public const string StartDelayAnnotation = "simulation.datum.net/start-delay-ms";

    /// <summary>Adds the provider's instance controller.</summary>
    public static void Setup(Manager manager, SimulatedProviderOptions? options = null, int workers = 8)
    {
        ArgumentNullException.ThrowIfNull(manager);
        manager.NewController().For<InstanceObject>().Named("simulated-provider-instance")
            .WithOptions(new ControllerOptions { MaxConcurrentReconciles = workers })
            .Complete(new Programmer(manager, options ?? new SimulatedProviderOptions()));
    }

    private sealed class Programmer(Manager manager, SimulatedProviderOptions options) : IReconciler
    {
        private readonly ConcurrentDictionary<(string Uid, long Generation), DateTimeOffset> _started = new();
        private readonly OwnWrites _own = new();
        private readonly ConcurrentDictionary<string, (LocationObject? Location, DateTimeOffset At)> _locations = new(StringComparer.Ordinal);

        private async Task<LocationObject?> LocationAsync(string name, CancellationToken ct)
        {
            // Locations change rarely; a one-second cache keeps 10,000 instances from re-reading them.
            if (_locations.TryGetValue(name, out var hit) && DateTimeOffset.UtcNow - hit.At < TimeSpan.FromSeconds(1)) return hit.Location;
            var location = await manager.Client.ForCluster(ClusterNames.Root).Resource<LocationObject>().TryGetAsync(null, name, ct).ConfigureAwait(false);
            _locations[name] = (location, DateTimeOffset.UtcNow);
            return location;
        }

        public async Task<ReconcileResult> ReconcileAsync(ReconcileRequest request, CancellationToken ct)
        {
            var cluster = manager.GetCluster(request.Cluster);
            var api = cluster.Client.Resource<InstanceObject>();
            var obj = cluster.Informers.For<InstanceObject>().Cache.Get(request.Namespace, request.Name);
            // A copy this provider has written over: the write's own event brings it back.
            if (obj is null || _own.IsStale(obj)) return ReconcileResult.Done;
            var locationName = obj.Spec.Location?.Name;
            var location = locationName is null ? null : await LocationAsync(locationName, ct).ConfigureAwait(false);
            var ours = location is not null && options.LocationClasses.Contains(location.Spec.LocationClassName) && location.Spec.Provider?.Simulated is not null;
            if (Finalizers.IsBeingDeleted(obj) || !ours)
            {
                if (Finalizers.IsBeingDeleted(obj) && Finalizers.Contains(obj, SimulatedNetworkProvider.Finalizer))
                {
                    await ObjectOperations.UpdateFromAsync(api, obj, o => o.Metadata.Uid == obj.Metadata.Uid && Finalizers.Remove(o, SimulatedNetworkProvider.Finalizer), ct).ConfigureAwait(false);
                }
                _own.Forget(obj);
                return ReconcileResult.Done;
            }
            if (ComputeStatus.Gated(obj)) return ReconcileResult.Done; // not schedulable yet
            if (!Finalizers.Contains(obj, SimulatedNetworkProvider.Finalizer))
            {
                var before = obj;
                obj = await ObjectOperations.UpdateFromAsync(api, obj, o => Finalizers.Add(o, SimulatedNetworkProvider.Finalizer), ct).ConfigureAwait(false);
                _own.Wrote(before, obj);
                if (obj is null) return ReconcileResult.Done;
            }
            var hash = obj.Spec.Controller?.TemplateHash;
            var generation = obj.Metadata.Generation ?? 0;
            var programmed = ComputeStatus.Get(obj.Status, ComputeConditions.Programmed);
            var failure = obj.Metadata.Annotations?.GetValueOrDefault(SimulatedNetworkProvider.FailAnnotation)
                          ?? location!.Metadata.Annotations?.GetValueOrDefault(SimulatedNetworkProvider.FailAnnotation)
                          ?? (Fails(obj.Metadata.Uid ?? "") ? "injected failure (DATUM_SIMULATED_FAILURE_RATE)" : null);
            if (failure is null && programmed is { Status: ConditionStatus.True } && programmed.ObservedGeneration == generation && obj.Status?.Controller?.ObservedTemplateHash == hash)
            {
                return ReconcileResult.Done;
            }
            if (failure is not null)
            {
                await SetAsync(api, obj, false, "ProgrammingFailed", $"location {location!.Metadata.Name}: {failure}", false, "Stopped", "the instance failed to start", null, null, ct).ConfigureAwait(false);
                return ReconcileResult.Done;
            }
            var key = (obj.Metadata.Uid ?? "", generation);
            var now = DateTimeOffset.UtcNow;
            var started = _started.GetOrAdd(key, now);
            var delay = options.Latency;
            if (obj.Metadata.Annotations?.GetValueOrDefault(StartDelayAnnotation) is { } slow && int.TryParse(slow, NumberStyles.None, CultureInfo.InvariantCulture, out var ms)) delay += TimeSpan.FromMilliseconds(ms);
            var remaining = started + delay - now;
            if (remaining > TimeSpan.Zero)
            {
                if (programmed?.Reason != "ProgrammingInProgress" || programmed.ObservedGeneration != generation)
                {
                    await SetAsync(api, obj, false, "ProgrammingInProgress", $"programming in simulated location {location!.Metadata.Name}", false, "Starting", "the instance is starting", null, null, ct).ConfigureAwait(false);
                }
                return ReconcileResult.RequeueAfter(remaining);
            }
            var addresses = await AddressesAsync(cluster, obj, ct).ConfigureAwait(false);
            if (addresses is null)
            {
                await SetAsync(api, obj, false, "ProgrammingInProgress", "waiting for the addresses of the instance's network interfaces", false, "Starting", "the instance is starting", null, null, ct).ConfigureAwait(false);
                return ReconcileResult.RequeueAfter(TimeSpan.FromSeconds(1));
            }
            _started.TryRemove(key, out _);
            await SetAsync(api, obj, true, "Programmed", $"programmed in simulated location {location!.Metadata.Name}", true, "Running", "the instance is running", hash, addresses, ct).ConfigureAwait(false);
            return ReconcileResult.Done;
        }

        // Interface i's addresses are those IPAM gave NetworkInterface {instance}-net-{i} (the instance's claim's
        // interface): the primary IPv4 address (else the primary one) as networkIP, the first external address as externalIP.
        // The interface comes from the informer cache when the cache's copy belongs to the instance's current claim (an
        // earlier instance of the same name had an interface of the same name), else from the server.
        private static async Task<List<InterfaceStatus>?> AddressesAsync(ICluster cluster, InstanceObject instance, CancellationToken ct)
        {
            var result = new List<InterfaceStatus>();
            var ns = instance.Metadata.Namespace;
            for (var i = 0; i < instance.Spec.NetworkInterfaces.Count; i++)
            {
                var name = ComputeNames.InterfaceClaimName(instance.Metadata.Name!, i);
                var claim = cluster.Informers.For<NetworkInterfaceClaimObject>().Cache.Get(ns, name);
                var nic = cluster.Informers.For<NetworkInterfaceObject>().Cache.Get(ns, name);
                if (nic is null || claim is null || Finalizers.IsBeingDeleted(nic) || OwnerReferences.GetController(claim)?.Uid != instance.Metadata.Uid || nic.Spec.ClaimRef?.Uid != claim.Metadata.Uid)
                {
                    nic = await cluster.Client.Resource<NetworkInterfaceObject>().TryGetAsync(ns, name, ct).ConfigureAwait(false);
                }
                var addresses = nic?.Spec.Addresses;
                if (addresses is not { Count: > 0 }) return null;
                var primary = addresses.FirstOrDefault(a => a.Primary == true && a.Family == "IPv4") ?? addresses.FirstOrDefault(a => a.Primary == true) ?? addresses[0];
                result.Add(new InterfaceStatus { Assignments = new Assignments { NetworkIP = primary.Address, ExternalIP = nic!.Spec.ExternalAddresses?.FirstOrDefault()?.Address } });
            }
            return result;
        }

        private bool Fails(string uid) => options.FailureRate > 0 &&
            BitConverter.ToUInt32(SHA256.HashData(Encoding.UTF8.GetBytes(uid)), 0) / (double)uint.MaxValue < options.FailureRate;

        private async Task SetAsync(ResourceClient<InstanceObject> api, InstanceObject obj, bool programmed, string reason, string message,
            bool running, string runningReason, string runningMessage, string? hash, List<InterfaceStatus>? interfaces, CancellationToken ct) =>
            _own.Wrote(obj, await ObjectOperations.UpdateStatusFromAsync(api, obj, o =>
            {
                if (o.Metadata.Uid != obj.Metadata.Uid) return false;
                var s = o.Status ??= new InstanceStatus();
                var changed = ComputeStatus.Set(s, o, ComputeConditions.Programmed, programmed, reason, message);
                changed |= ComputeStatus.Set(s, o, ComputeConditions.Running, running, runningReason, runningMessage);
                if (hash is not null && s.Controller?.ObservedTemplateHash != hash)
                {
                    s.Controller = new ObservedControl { ObservedTemplateHash = hash };
                    changed = true;
                }
                if (interfaces is not null)
                {
                    if (s.NetworkInterfaces is null || !s.NetworkInterfaces.SequenceEqual(interfaces))
                    {
                        s.NetworkInterfaces = interfaces;
                        changed = true;
                    }
                }
                // Ready is derived right away too, so readiness costs one write, not two (the instance controller agrees).
                var (r, why, text2) = InstanceController.Derive(o);
                changed |= ComputeStatus.Set(s, o, ComputeConditions.Ready, r, why, text2);
                return changed;
            }, ct).ConfigureAwait(false));
    }
}
