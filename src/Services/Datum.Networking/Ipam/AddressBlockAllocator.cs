using System.Collections.Concurrent;
using Datum.Networking.Apis.Networking.V1Alpha;
using Datum.Networking.Apis.Networking.V1Alpha.Types;
using Datum.Runtime.Api;
using Datum.Runtime.Client;

namespace Datum.Networking.Ipam;

/// <summary>
/// An address pool: a Subnet's prefix, named by the subnet's uid (IPv4 ranges repeat across networks and projects; a
/// uid does not). The network address, the gateway (the first usable address) and, for IPv4, the broadcast address
/// are never handed out.
/// </summary>
public sealed record AddressPool(string Id, Cidr Range)
{
    /// <summary>Block size: /26 (64 addresses) for IPv4, /122 for IPv6, as Calico's defaults; the whole range when smaller.</summary>
    public int BlockLength => Math.Max(Range.PrefixLength, Range.IsV6 ? 122 : 26);

    /// <summary>The gateway: the first usable address of the range.</summary>
    public UInt128 Gateway => Range.Start + 1;

    /// <summary>Whether the address is reserved (network, gateway, IPv4 broadcast).</summary>
    public bool IsReserved(UInt128 address) => address == Range.Start || address == Gateway || (!Range.IsV6 && address == Range.End);

    /// <summary>Number of blocks in the range.</summary>
    public UInt128 BlockCount => UInt128.One << (BlockLength - Range.PrefixLength);

    /// <summary>The block with index <paramref name="index"/>.</summary>
    public Cidr Block(UInt128 index) => new(Range.IsV6, Range.Start + (index << (Range.Bits - BlockLength)), BlockLength);
}

/// <summary>The outcome of an address allocation.</summary>
public sealed record AddressResult(UInt128? Address, string Reason, string Message)
{
    /// <summary>Whether an address was allocated.</summary>
    public bool Succeeded => Address is not null;
}

/// <summary>What a repair pass found and fixed.</summary>
public sealed record RepairReport(int Released, int Restored, int Conflicts);

/// <summary>
/// Interface addresses, Calico-style: a pool is split into blocks (/26 or /122), each block one <c>IPAllocation</c>
/// record (<c>{pool}.{block}</c>, listing <c>{address, owner}</c>) created only if absent and then changed only by
/// compare-and-swap on its resourceVersion. Allocation happens in memory inside a block; concurrent requests on a block
/// are batched into one durable write, and each request is acknowledged only after the write containing it commits.
/// A conflict (another process wrote the block) reloads the block and re-places the requests it refused, so several
/// allocators (workers, processes, replicas) never hand out an address twice. A failed or ambiguous write (the server
/// died) drops this process's view of the pool; the next use reloads it from the store, and an owner asking again
/// finds its own address (allocations are keyed by owner). <see cref="RepairAsync"/> releases leaked addresses and
/// restores addresses that interfaces hold but blocks lost. One instance per process (it holds the in-memory views).
/// </summary>
public sealed class AddressBlockAllocator
{
    private const int MaxAttempts = 64;
    private const int ParallelBlockWrites = 4;
    private static readonly TimeSpan ReleaseCoalescing = TimeSpan.FromMilliseconds(5);
    private readonly ConcurrentDictionary<(string Cluster, string Pool), PoolState> _pools = new();
    private long _writes;
    private long _operations;

    /// <summary>Block writes attempted so far (for benchmarks: operations per write is the batching factor).</summary>
    public long Writes => Interlocked.Read(ref _writes);

    /// <summary>Allocations and releases written so far.</summary>
    public long Operations => Interlocked.Read(ref _operations);

    /// <summary>The record name of a block.</summary>
    public static string BlockName(string poolId, Cidr block) => $"{poolId}.{block.ToName()}";

    /// <summary>The label every block of a pool carries (its value is the pool id).</summary>
    public const string PoolLabel = "networking.datumapis.com/address-pool";

    /// <summary>
    /// The address held by <paramref name="owner"/> in the pool, allocating the lowest free one when it holds none.
    /// Exhaustion is a result (<c>RangeExhausted</c>), not an exception; store failures throw.
    /// </summary>
    public async Task<AddressResult> AllocateAsync(KubeClient client, AddressPool pool, string owner, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(pool);
        var reloadedWhenFull = false;
        for (var attempt = 1; attempt <= MaxAttempts; attempt++)
        {
            var state = await LoadedAsync(client, pool, ct).ConfigureAwait(false);
            Op? op;
            BlockState? block;
            bool flush;
            lock (state.Lock)
            {
                if (state.ByOwner.TryGetValue(owner, out var held))
                {
                    // Held, or on its way: wait for the owner's operation in flight (if any), then look again.
                    op = held.Block.OpOf(owner);
                    if (op is null) return Allocated(pool, held.Address);
                    block = held.Block;
                    flush = false;
                }
                else
                {
                    var found = FindFree(state);
                    if (found is null)
                    {
                        if (!reloadedWhenFull)
                        {
                            // Another process may have released addresses since this view was loaded.
                            reloadedWhenFull = true;
                            Invalidate(client, state);
                            continue;
                        }
                        return new AddressResult(null, "RangeExhausted",
                            $"no free address is left in {pool.Range} ({state.Held} held; network, gateway{(pool.Range.IsV6 ? "" : " and broadcast")} reserved); delete unused interfaces or use a larger subnet");
                    }
                    (block, var address) = found.Value;
                    op = new Op(true, address, owner);
                    Enqueue(state, block, op);
                    flush = StartFlush(block);
                }
            }
            if (flush) _ = FlushAsync(client, state, block);
            if (await op.Done.Task.WaitAsync(ct).ConfigureAwait(false) && op.Add && op.Owner == owner) return Allocated(pool, op.Address);
        }
        throw new InvalidOperationException($"address allocation in {pool.Range} for {owner} kept conflicting after {MaxAttempts} attempts");
    }

    /// <summary>Releases whatever <paramref name="owner"/> holds in the pool (no-op when nothing); durable on return.</summary>
    public async Task ReleaseAsync(KubeClient client, AddressPool pool, string owner, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(pool);
        for (var attempt = 1; attempt <= MaxAttempts; attempt++)
        {
            var state = await LoadedAsync(client, pool, ct).ConfigureAwait(false);
            Op? op;
            BlockState block;
            bool flush;
            lock (state.Lock)
            {
                if (!state.ByOwner.TryGetValue(owner, out var held)) return;
                block = held.Block;
                op = block.OpOf(owner);
                flush = false;
                if (op is null)
                {
                    op = new Op(false, held.Address, owner);
                    Enqueue(state, block, op);
                    flush = StartFlush(block);
                }
            }
            // A release is not waited for by anyone needing an address: let the releases of a block's neighbours
            // (handed out together, so usually released together) join the same write.
            if (flush) _ = FlushAsync(client, state, block, ReleaseCoalescing);
            if (await op.Done.Task.WaitAsync(ct).ConfigureAwait(false) && !op.Add) return;
        }
        throw new InvalidOperationException($"releasing {owner}'s address in {pool.Range} kept conflicting after {MaxAttempts} attempts");
    }

    /// <summary>The addresses held in the pool, by owner, as stored (reads the blocks afresh).</summary>
    public async Task<IReadOnlyList<(UInt128 Address, string Owner)>> ReadAsync(KubeClient client, AddressPool pool, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(client);
        var blocks = await ListBlocksAsync(client, pool.Id, ct).ConfigureAwait(false);
        return [.. blocks.SelectMany(b => b.Spec.Addresses ?? []).Select(e => (Parse(e.Address), e.Owner))];
    }

    /// <summary>
    /// Reconciles the pool's blocks with what really holds addresses: reads the blocks, then asks
    /// <paramref name="live"/> for the owners that still exist and the (address, owner) pairs interfaces hold (read
    /// after the blocks, so an owner created before its allocation is never missed); releases entries whose owner is
    /// neither (leaks), restores pairs interfaces hold that no block records, and counts addresses two owners claim.
    /// </summary>
    public async Task<RepairReport> RepairAsync(KubeClient client, AddressPool pool,
        Func<CancellationToken, Task<(IReadOnlySet<string> LiveOwners, IReadOnlyCollection<(UInt128 Address, string Owner)> Held)>> live, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(live);
        if (_pools.TryGetValue((client.Cluster, pool.Id), out var old)) Invalidate(client, old);
        var state = await LoadedAsync(client, pool, ct).ConfigureAwait(false);
        var (owners, held) = await live(ct).ConfigureAwait(false);
        var heldSet = held.ToHashSet();
        var ops = new List<(BlockState Block, Op Op)>();
        var conflicts = 0;
        lock (state.Lock)
        {
            foreach (var block in state.Blocks.Values)
            {
                foreach (var (address, owner) in block.Durable)
                {
                    if (!owners.Contains(owner) && !heldSet.Contains((address, owner))) ops.Add((block, new Op(false, address, owner)));
                }
            }
            foreach (var (address, owner) in heldSet)
            {
                if (!pool.Range.Contains(address)) continue;
                var blockCidr = new Cidr(pool.Range.IsV6, Cidr.Align(address, pool.BlockLength, pool.Range.IsV6), pool.BlockLength);
                if (!state.Blocks.TryGetValue(blockCidr.Start, out var block))
                {
                    block = new BlockState(blockCidr, BlockName(pool.Id, blockCidr));
                    state.Blocks.Add(blockCidr.Start, block);
                }
                if (block.Durable.TryGetValue(address, out var holder))
                {
                    if (holder != owner) conflicts++;
                    continue;
                }
                if (block.PendingAdds.Contains(address) || state.ByOwner.ContainsKey(owner)) { conflicts++; continue; }
                ops.Add((block, new Op(true, address, owner)));
            }
            foreach (var (block, op) in ops) Enqueue(state, block, op);
            foreach (var block in ops.Select(o => o.Block).Distinct().Where(StartFlush).ToList()) _ = FlushAsync(client, state, block);
        }
        // An operation refused because someone else wrote the block meanwhile is not counted; the next repair settles it.
        var done = 0;
        var releasedDone = 0;
        foreach (var (_, op) in ops)
        {
            if (!await op.Done.Task.WaitAsync(ct).ConfigureAwait(false)) continue;
            done++;
            if (!op.Add) releasedDone++;
        }
        return new RepairReport(releasedDone, done - releasedDone, conflicts);
    }

    /// <summary>Deletes every block of a pool (its subnet is gone) and forgets it.</summary>
    public async Task DeletePoolAsync(KubeClient client, string poolId, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(client);
        _pools.TryRemove((client.Cluster, poolId), out _);
        var api = client.Resource<IPAllocationObject>();
        foreach (var block in await ListBlocksAsync(client, poolId, ct).ConfigureAwait(false))
        {
            try
            {
                await api.DeleteAsync(null, block.Metadata.Name!, ct: ct).ConfigureAwait(false);
            }
            catch (ApiStatusException e) when (e.IsNotFound)
            {
            }
        }
    }

    /// <summary>Drops this process's view of a pool; the next use reads it from the store.</summary>
    public void Forget(KubeClient client, string poolId)
    {
        ArgumentNullException.ThrowIfNull(client);
        _pools.TryRemove((client.Cluster, poolId), out _);
    }

    private static AddressResult Allocated(AddressPool pool, UInt128 address) =>
        new(address, "AddressAllocated", $"{Cidr.ToAddress(address, pool.Range.IsV6)} allocated from {pool.Range}");

    private static UInt128 Parse(string text) => Cidr.TryParseAddress(text, out var v, out _) ? v : throw new FormatException($"'{text}' in an address block is not an address");

    private static async Task<IReadOnlyList<IPAllocationObject>> ListBlocksAsync(KubeClient client, string poolId, CancellationToken ct) =>
        (await client.Resource<IPAllocationObject>().ListAllAsync(null, new ListOptions { LabelSelector = $"{PoolLabel}={poolId}" }, ct: ct).ConfigureAwait(false)).Items;

    private async Task<PoolState> LoadedAsync(KubeClient client, AddressPool pool, CancellationToken ct)
    {
        var state = _pools.GetOrAdd((client.Cluster, pool.Id), _ => new PoolState(pool));
        if (state.Loaded) return state;
        await state.LoadGate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            if (state.Loaded) return state;
            var blocks = await ListBlocksAsync(client, pool.Id, ct).ConfigureAwait(false);
            lock (state.Lock)
            {
                foreach (var record in blocks)
                {
                    if (!Cidr.TryParse(record.Spec.Prefix, out var cidr, out _)) continue;
                    var block = new BlockState(cidr, record.Metadata.Name!);
                    state.Blocks[cidr.Start] = block;
                    Absorb(state, block, record);
                }
                state.Loaded = true;
            }
            return state;
        }
        finally
        {
            state.LoadGate.Release();
        }
    }

    private void Invalidate(KubeClient client, PoolState state) => _pools.TryUpdate((client.Cluster, state.Pool.Id), new PoolState(state.Pool), state);

    // Makes the stored record the block's durable view (caller holds the lock), keeping the owner index in step.
    private static void Absorb(PoolState state, BlockState block, IPAllocationObject? record)
    {
        foreach (var (address, owner) in block.Durable)
        {
            if (state.ByOwner.TryGetValue(owner, out var h) && h.Block == block && h.Address == address && !block.PendingAdds.Contains(address)) state.ByOwner.Remove(owner);
        }
        block.Durable.Clear();
        block.Record = record;
        foreach (var entry in record?.Spec.Addresses ?? [])
        {
            var address = Parse(entry.Address);
            block.Durable[address] = entry.Owner;
            state.ByOwner[entry.Owner] = (block, address);
        }
    }

    private static void Enqueue(PoolState state, BlockState block, Op op)
    {
        block.Pending.Add(op);
        if (op.Add)
        {
            block.PendingAdds.Add(op.Address);
            state.ByOwner[op.Owner] = (block, op.Address);
        }
    }

    private static bool StartFlush(BlockState block)
    {
        if (block.Flushing) return false;
        block.Flushing = true;
        return true;
    }

    // The lowest free address in an existing block with room, else in the first block not created yet (caller holds the lock).
    private static (BlockState Block, UInt128 Address)? FindFree(PoolState state)
    {
        var pool = state.Pool;
        // Lowest block with room, but with a few blocks written at once: a request joins a batch that is still
        // forming, else starts a write on an idle block while fewer than ParallelBlockWrites are in flight (they
        // share the store's fsync), else queues behind the lowest block's write.
        BlockState? forming = null, idle = null, first = null;
        var writing = 0;
        foreach (var block in state.Blocks.Values)
        {
            if (block.Flushing) writing++;
            if (block.Durable.Count + block.PendingAdds.Count >= block.Capacity(pool)) continue;
            first ??= block;
            if (block.Pending.Count > 0) forming ??= block;
            else if (!block.Flushing) idle ??= block;
        }
        foreach (var block in new[] { forming, writing < ParallelBlockWrites ? idle : null, first })
        {
            if (block is not null && FirstFreeIn(pool, block) is { } a) return (block, a);
        }
        for (UInt128 i = 0; i < pool.BlockCount; i++)
        {
            var cidr = pool.Block(i);
            if (state.Blocks.ContainsKey(cidr.Start)) continue;
            var block = new BlockState(cidr, BlockName(pool.Id, cidr));
            if (FirstFreeIn(pool, block) is not { } a) continue;
            state.Blocks.Add(cidr.Start, block);
            return (block, a);
        }
        return null;
    }

    private static UInt128? FirstFreeIn(AddressPool pool, BlockState block)
    {
        for (var a = block.Prefix.Start; a <= block.Prefix.End && a >= block.Prefix.Start; a++)
        {
            if (!pool.IsReserved(a) && !block.Durable.ContainsKey(a) && !block.PendingAdds.Contains(a)) return a;
        }
        return null;
    }

    // Writes a block's queued operations, batch after batch, until none are left. Every operation in a batch is
    // acknowledged only after the write containing it commits.
    private async Task FlushAsync(KubeClient client, PoolState state, BlockState block, TimeSpan delay = default)
    {
        if (delay > TimeSpan.Zero) await Task.Delay(delay).ConfigureAwait(false);
        else await Task.Yield();
        var api = client.Resource<IPAllocationObject>();
        while (true)
        {
            List<Op> batch;
            IPAllocationObject desired;
            Dictionary<UInt128, string> entries;
            lock (state.Lock)
            {
                if (block.Pending.Count == 0)
                {
                    block.Flushing = false;
                    return;
                }
                batch = block.Pending;
                block.Pending = [];
                block.InFlight = batch;
                entries = new Dictionary<UInt128, string>(block.Durable);
                foreach (var op in batch)
                {
                    if (op.Add) entries[op.Address] = op.Owner;
                    else if (entries.TryGetValue(op.Address, out var o) && o == op.Owner) entries.Remove(op.Address);
                }
                desired = new IPAllocationObject
                {
                    Metadata = new ObjectMeta
                    {
                        Name = block.Name,
                        ResourceVersion = block.Record?.Metadata.ResourceVersion,
                        Labels = new() { [PoolLabel] = state.Pool.Id },
                    },
                    Spec = new IPAllocationSpec
                    {
                        Range = state.Pool.Range.ToString(), Prefix = block.Prefix.ToString(), Pool = state.Pool.Id,
                        Addresses = [.. entries.OrderBy(e => e.Key).Select(e => new BlockEntry { Address = Cidr.ToAddress(e.Key, state.Pool.Range.IsV6).ToString(), Owner = e.Value })],
                    },
                };
            }
            IPAllocationObject? stored = null;
            var conflict = false;
            Interlocked.Increment(ref _writes);
            Interlocked.Add(ref _operations, batch.Count);
            try
            {
                stored = block.Record is null
                    ? await api.CreateAsync(desired).ConfigureAwait(false)
                    : await api.UpdateAsync(desired).ConfigureAwait(false);
            }
            catch (ApiStatusException e) when (e.IsConflict || e.IsAlreadyExists || e.IsNotFound)
            {
                conflict = true;
            }
            catch (Exception e)
            {
                // The outcome is unknown (the server may have committed): forget this view and fail everything queued.
                lock (state.Lock)
                {
                    Invalidate(client, state);
                    var failed = batch.Concat(block.Pending).ToList();
                    block.Pending = [];
                    block.InFlight = [];
                    block.Flushing = false;
                    foreach (var op in failed) op.Done.TrySetException(e);
                }
                return;
            }
            if (conflict)
            {
                IPAllocationObject? fresh;
                try
                {
                    fresh = await api.TryGetAsync(null, block.Name).ConfigureAwait(false);
                }
                catch (Exception e)
                {
                    lock (state.Lock)
                    {
                        Invalidate(client, state);
                        var failed = batch.Concat(block.Pending).ToList();
                        block.Pending = [];
                        block.Flushing = false;
                        foreach (var op in failed) op.Done.TrySetException(e);
                    }
                    return;
                }
                lock (state.Lock)
                {
                    block.InFlight = [];
                    // Refused: forget the batch's claims, take the stored block, and let every caller choose again.
                    foreach (var op in batch) Forget(state, block, op);
                    Absorb(state, block, fresh);
                    // Queued operations now collide with the fresh view where another writer took their address.
                    foreach (var op in block.Pending.Where(p => p.Add && block.Durable.ContainsKey(p.Address)).ToList())
                    {
                        block.Pending.Remove(op);
                        Forget(state, block, op);
                        op.Done.TrySetResult(false);
                    }
                }
                foreach (var op in batch) op.Done.TrySetResult(false);
                continue;
            }
            lock (state.Lock)
            {
                block.InFlight = [];
                foreach (var op in batch) Forget(state, block, op);
                Absorb(state, block, stored);
            }
            foreach (var op in batch) op.Done.TrySetResult(true);
        }
    }

    // Removes an operation's pending marks (caller holds the lock).
    private static void Forget(PoolState state, BlockState block, Op op)
    {
        if (op.Add)
        {
            block.PendingAdds.Remove(op.Address);
            if (state.ByOwner.TryGetValue(op.Owner, out var h) && h.Block == block && h.Address == op.Address) state.ByOwner.Remove(op.Owner);
        }
    }

    private sealed class PoolState(AddressPool pool)
    {
        public AddressPool Pool { get; } = pool;
        public object Lock { get; } = new();
        public SemaphoreSlim LoadGate { get; } = new(1, 1);
        public volatile bool Loaded;
        public SortedDictionary<UInt128, BlockState> Blocks { get; } = [];
        public Dictionary<string, (BlockState Block, UInt128 Address)> ByOwner { get; } = new(StringComparer.Ordinal);
        public int Held => Blocks.Values.Sum(b => b.Durable.Count + b.PendingAdds.Count);
    }

    private sealed class BlockState(Cidr prefix, string name)
    {
        public Cidr Prefix { get; } = prefix;
        public string Name { get; } = name;
        public IPAllocationObject? Record { get; set; }
        public Dictionary<UInt128, string> Durable { get; } = [];
        public HashSet<UInt128> PendingAdds { get; } = [];
        public List<Op> Pending { get; set; } = [];
        public List<Op> InFlight { get; set; } = [];
        public bool Flushing { get; set; }

        public Op? OpOf(string owner) => Pending.Find(p => p.Owner == owner) ?? InFlight.Find(p => p.Owner == owner);

        public int Capacity(AddressPool pool)
        {
            var size = (int)Prefix.Size;
            if (pool.Range.Contains(pool.Range.Start) && Prefix.Contains(pool.Range.Start)) size--;
            if (Prefix.Contains(pool.Gateway)) size--;
            if (!pool.Range.IsV6 && Prefix.Contains(pool.Range.End)) size--;
            return size;
        }
    }

    private sealed class Op(bool add, UInt128 address, string owner)
    {
        public bool Add { get; } = add;
        public UInt128 Address { get; } = address;
        public string Owner { get; } = owner;
        public TaskCompletionSource<bool> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
