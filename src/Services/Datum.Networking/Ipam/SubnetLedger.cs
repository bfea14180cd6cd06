using System.Collections.Concurrent;
using Datum.Networking.Apis.Networking.V1Alpha;
using Datum.Networking.Apis.Networking.V1Alpha.Types;
using Datum.Runtime.Api;
using Datum.Runtime.Client;

namespace Datum.Networking.Ipam;

/// <summary>The outcome of an allocation: a prefix, or why there is none.</summary>
public sealed record AllocationResult(Cidr? Prefix, string Reason, string Message)
{
    /// <summary>Whether a prefix was allocated.</summary>
    public bool Succeeded => Prefix is not null;
}

/// <summary>
/// The subnets of one network, held in one <c>IPAllocation</c> ledger object (<c>subnets.{namespace}.{network}</c>) in
/// the project's control plane and changed only by compare-and-swap on its resourceVersion: whatever runs at once
/// (workers, processes, a controller restarted mid-allocation), two writers that read the same ledger cannot both
/// commit, so no two subnets overlap. Entries are keyed by the claim's uid, so a retried allocation (after a crash
/// between the ledger write and the Subnet's creation) finds its own prefix again instead of leaking one. Entries
/// whose claim no longer exists are pruned when the range looks full.
/// </summary>
public sealed class SubnetLedger
{
    private const int MaxAttempts = 64;
    private static readonly ConcurrentDictionary<string, SemaphoreSlim> s_locks = new(StringComparer.Ordinal);

    /// <summary>The ledger's object name.</summary>
    public static string LedgerName(string ns, string network) => $"subnets.{ns}.{network}";

    /// <summary>
    /// Allocates a /<paramref name="length"/> inside <paramref name="range"/> for the claim (or returns the one it
    /// already holds): <paramref name="requested"/> when given and free, else the lowest free block.
    /// </summary>
    public static async Task<AllocationResult> AllocateAsync(KubeClient client, string ns, string network, Cidr range, int length, Cidr? requested,
        SubnetClaimObject claim, CancellationToken ct)
    {
        var api = client.Resource<IPAllocationObject>();
        var name = LedgerName(ns, network);
        var gate = s_locks.GetOrAdd(client.Cluster + "/" + name, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            var pruned = false;
            for (var attempt = 1; ; attempt++)
            {
                var ledger = await api.TryGetAsync(null, name, ct).ConfigureAwait(false);
                var entries = ledger?.Spec.Allocations ?? [];
                var uid = claim.Metadata.Uid ?? "";
                if (entries.FirstOrDefault(e => e.Uid == uid) is { } mine && Cidr.TryParse(mine.Prefix, out var held, out _) && held.IsV6 == range.IsV6)
                {
                    return new AllocationResult(held, "PrefixAllocated", $"{held} is allocated to this claim");
                }
                var used = entries.Select(e => Cidr.TryParse(e.Prefix, out var c, out _) ? c : (Cidr?)null).OfType<Cidr>().ToList();
                Cidr? chosen;
                if (requested is { } want)
                {
                    if (!range.Contains(want))
                    {
                        return new AllocationResult(null, "PrefixOutsideRange", $"{want} is outside the network's range {range}");
                    }
                    var clash = entries.FirstOrDefault(e => Cidr.TryParse(e.Prefix, out var c, out _) && c.Overlaps(want));
                    chosen = clash is null ? want : null;
                    if (chosen is null && pruned)
                    {
                        return new AllocationResult(null, "PrefixUnavailable",
                            $"{want} overlaps {clash!.Prefix}, already allocated to subnet claim {clash.Namespace}/{clash.Claim}; pick another startAddress or leave it empty");
                    }
                }
                else
                {
                    chosen = Cidr.FirstFree(range, length, used);
                    if (chosen is null && pruned)
                    {
                        return new AllocationResult(null, "RangeExhausted",
                            $"no free /{length} is left in {range} ({entries.Count} subnets allocated); delete unused subnet claims or ask for a smaller prefix");
                    }
                }
                if (chosen is null)
                {
                    // The range looks full: first drop entries whose claims are gone (leaked by a forced deletion).
                    pruned = true;
                    if (ledger is not null && await PruneAsync(client, ledger, ct).ConfigureAwait(false)) continue;
                    continue;
                }
                var entry = new LedgerEntry
                {
                    Prefix = chosen.Value.ToString(), Namespace = claim.Metadata.Namespace, Claim = claim.Metadata.Name, Uid = uid,
                    Location = claim.Spec.Location.Name,
                };
                try
                {
                    if (ledger is null)
                    {
                        await api.CreateAsync(new IPAllocationObject
                        {
                            Metadata = new ObjectMeta { Name = name, Labels = new() { [NetworkingNames.NetworkLabel] = network } },
                            Spec = new IPAllocationSpec { Range = range.ToString(), Allocations = [entry] },
                        }, ct: ct).ConfigureAwait(false);
                    }
                    else
                    {
                        ledger.Spec.Allocations = [.. entries, entry];
                        await api.UpdateAsync(ledger, ct: ct).ConfigureAwait(false);
                    }
                    return new AllocationResult(chosen, "PrefixAllocated", $"{chosen} is allocated to this claim");
                }
                catch (ApiStatusException e) when ((e.IsConflict || e.IsAlreadyExists) && attempt < MaxAttempts)
                {
                    // Another writer (another process) committed first: read again and choose again.
                    await Task.Delay(Random.Shared.Next(1, 5 * Math.Min(attempt, 10)), ct).ConfigureAwait(false);
                }
            }
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>Returns the claim's prefix (if any) to the network's range.</summary>
    public static async Task ReleaseAsync(KubeClient client, string ns, string network, string claimUid, CancellationToken ct)
    {
        var api = client.Resource<IPAllocationObject>();
        var name = LedgerName(ns, network);
        for (var attempt = 1; ; attempt++)
        {
            var ledger = await api.TryGetAsync(null, name, ct).ConfigureAwait(false);
            if (ledger?.Spec.Allocations is not { } entries || entries.All(e => e.Uid != claimUid)) return;
            ledger.Spec.Allocations = [.. entries.Where(e => e.Uid != claimUid)];
            try
            {
                await api.UpdateAsync(ledger, ct: ct).ConfigureAwait(false);
                return;
            }
            catch (ApiStatusException e) when ((e.IsConflict || e.IsNotFound) && attempt < MaxAttempts)
            {
                await Task.Delay(Random.Shared.Next(1, 5 * Math.Min(attempt, 10)), ct).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Deletes a network's ledger (the network is gone).</summary>
    public static async Task DeleteAsync(KubeClient client, string ns, string network, CancellationToken ct)
    {
        try
        {
            await client.Resource<IPAllocationObject>().DeleteAsync(null, LedgerName(ns, network), ct: ct).ConfigureAwait(false);
        }
        catch (ApiStatusException e) when (e.IsNotFound)
        {
        }
    }

    // The ledger was read first, so every claim it names was created before this list: a claim missing from the list is gone.
    private static async Task<bool> PruneAsync(KubeClient client, IPAllocationObject ledger, CancellationToken ct)
    {
        var live = (await client.Resource<SubnetClaimObject>().ListAllAsync(ct: ct).ConfigureAwait(false)).Items
            .Select(c => c.Metadata.Uid).ToHashSet(StringComparer.Ordinal);
        var entries = ledger.Spec.Allocations ?? [];
        var kept = entries.Where(e => live.Contains(e.Uid)).ToList();
        if (kept.Count == entries.Count) return false;
        ledger.Spec.Allocations = kept;
        try
        {
            await client.Resource<IPAllocationObject>().UpdateAsync(ledger, ct: ct).ConfigureAwait(false);
        }
        catch (ApiStatusException e) when (e.IsConflict)
        {
            // Someone else wrote; the caller reads again.
        }
        return true;
    }
}
