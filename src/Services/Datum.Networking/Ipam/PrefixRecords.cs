using System.Collections.Concurrent;
using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Datum.Networking.Apis.Networking.V1Alpha.Types;
using Datum.Runtime.Api;
using Datum.Runtime.Client;

namespace Datum.Networking.Ipam;

/// <summary>
/// Fixed-size allocations as records: an <c>IPAllocation</c> named after the prefix it holds
/// (<c>{scope}.{prefix}</c>), created only if absent. The store refuses a second create of the same name, so a
/// prefix is never handed out twice, whatever runs at once and across restarts; the record is durable before the
/// allocation is used. Used for every network's IPv6 /48 (scope <c>ula</c>, in the platform) and for addresses
/// inside a subnet. Records carry their owner's uid: an owner retrying after a crash finds its own record again.
/// </summary>
public static class PrefixRecords
{
    private static readonly ConcurrentDictionary<string, long> s_cursors = new(StringComparer.Ordinal);

    /// <summary>The record name of <paramref name="prefix"/> in <paramref name="scope"/>.</summary>
    public static string RecordName(string scope, Cidr prefix) => $"{scope}.{prefix.ToName()}";

    /// <summary>
    /// Claims a /<paramref name="length"/> of <paramref name="pool"/> for <paramref name="owner"/>: the requested one
    /// when given (refused when someone else holds it), else a free one, probing from a start derived from the
    /// owner's uid (so a retry probes the same sequence and finds its own record first). <paramref name="reserveEnds"/>
    /// skips the first two and the last block (network, gateway, broadcast addresses).
    /// </summary>
    public static async Task<AllocationResult> ClaimAsync(KubeClient client, string scope, Cidr pool, int length, AllocationOwner owner,
        Cidr? requested = null, bool reserveEnds = false, int maxProbes = 1 << 16, CancellationToken ct = default)
    {
        var api = client.Resource<IPAllocationObject>();
        var blockBits = length - pool.PrefixLength;
        var blocks = blockBits >= 63 ? long.MaxValue : 1L << blockBits;
        var first = reserveEnds ? 2L : 0L;
        var usable = reserveEnds ? blocks - 3 : blocks;
        if (usable <= 0) return new AllocationResult(null, "RangeExhausted", $"{pool} has no usable /{length}");
        var blockSize = new Cidr(pool.IsV6, 0, length).Size;
        if (requested is { } want)
        {
            if (!pool.Contains(want) || want.PrefixLength != length) return new AllocationResult(null, "PrefixOutsideRange", $"{want} is not a /{length} inside {pool}");
            return await TryOneAsync(api, scope, pool, want, owner, ct).ConfigureAwait(false) is { } mine
                ? new AllocationResult(mine, "PrefixAllocated", $"{mine} is allocated")
                : new AllocationResult(null, "PrefixUnavailable", $"{want} is already allocated to someone else; ask for another or leave it empty");
        }
        // Sparse pools (the /48s): probe from a hash of the owner, so a retry after a crash finds its own record first.
        // Dense pools (addresses): next-fit, every probe takes the next slot of a shared cursor, so concurrent
        // allocators never probe the same candidate and released addresses are reused last.
        var sparse = usable > (1L << 24);
        var key = client.Cluster + "/" + scope;
        var hashStart = sparse ? (long)(BinaryPrimitives.ReadUInt64BigEndian(SHA256.HashData(Encoding.UTF8.GetBytes(owner.Uid ?? ""))) % (ulong)usable) : 0;
        var probes = Math.Min(usable, maxProbes);
        for (long i = 0; i < probes; i++)
        {
            var slot = sparse ? (hashStart + i) % usable : s_cursors.AddOrUpdate(key, 0, (_, c) => (c + 1) % usable);
            var index = first + slot;
            var candidate = new Cidr(pool.IsV6, pool.Start + blockSize * (UInt128)index, length);
            if (await TryOneAsync(api, scope, pool, candidate, owner, ct).ConfigureAwait(false) is { } got)
            {
                return new AllocationResult(got, "PrefixAllocated", $"{got} is allocated");
            }
        }
        return new AllocationResult(null, "RangeExhausted", $"no free /{length} found in {pool} after {probes} probes");
    }

    /// <summary>Releases a record held by <paramref name="ownerUid"/> (no-op when absent or held by another).</summary>
    public static async Task ReleaseAsync(KubeClient client, string scope, Cidr prefix, string ownerUid, CancellationToken ct)
    {
        var api = client.Resource<IPAllocationObject>();
        var name = RecordName(scope, prefix);
        var record = await api.TryGetAsync(null, name, ct).ConfigureAwait(false);
        if (record?.Spec.Owner?.Uid != ownerUid) return;
        try
        {
            await api.DeleteAsync(null, name, new DeleteOptions { Preconditions = new DeletePreconditions { Uid = record.Metadata.Uid } }, ct).ConfigureAwait(false);
        }
        catch (ApiStatusException e) when (e.IsNotFound || e.IsConflict)
        {
        }
    }

    private static async Task<Cidr?> TryOneAsync(ResourceClient<IPAllocationObject> api, string scope, Cidr pool, Cidr candidate, AllocationOwner owner, CancellationToken ct)
    {
        var name = RecordName(scope, candidate);
        try
        {
            await api.CreateAsync(new IPAllocationObject
            {
                Metadata = new ObjectMeta { Name = name },
                Spec = new IPAllocationSpec { Range = pool.ToString(), Prefix = candidate.ToString(), Owner = owner },
            }, ct: ct).ConfigureAwait(false);
            return candidate;
        }
        catch (ApiStatusException e) when (e.IsAlreadyExists)
        {
            var existing = await api.TryGetAsync(null, name, ct).ConfigureAwait(false);
            return existing?.Spec.Owner?.Uid is { } uid && uid == owner.Uid ? candidate : null;
        }
    }
}
