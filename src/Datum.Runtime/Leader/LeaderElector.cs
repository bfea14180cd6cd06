using Datum.Runtime.Api;
using Datum.Runtime.Api.Kinds;
using Datum.Runtime.Client;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Datum.Runtime.Leader;

/// <summary>Leader election timings and the lease's place.</summary>
public sealed record LeaderElectionOptions
{
    /// <summary>The lease's namespace.</summary>
    public string Namespace { get; init; } = "kube-system";

    /// <summary>The lease's name (one per set of competing processes).</summary>
    public required string Name { get; init; }

    /// <summary>This candidate's identity, unique per process.</summary>
    public string Identity { get; init; } = $"{Environment.MachineName}_{Guid.NewGuid():N}";

    /// <summary>How long others wait, after last seeing the lease change, before taking it over.</summary>
    public TimeSpan LeaseDuration { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>How long the leader keeps leading without a successful renewal. Must be shorter than <see cref="LeaseDuration"/>.</summary>
    public TimeSpan RenewDeadline { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How often candidates try to acquire and the leader renews.</summary>
    public TimeSpan RetryPeriod { get; init; } = TimeSpan.FromSeconds(2);
}

/// <summary>
/// Leader election on a coordination.k8s.io/v1 Lease. The leader renews every <c>RetryPeriod</c>; candidates take
/// the lease when it is released (empty holder) or when they have seen it unchanged for <c>LeaseDuration</c>.
/// Fencing: a leader that cannot renew for <c>RenewDeadline</c> (counted from when its last successful renewal was
/// sent) stops leading at once; since others wait at least <c>LeaseDuration</c> from a later moment, the old leader
/// has stopped before a new one can start. On graceful stop the lease is released so a standby takes over within
/// one <c>RetryPeriod</c>.
/// </summary>
public sealed partial class LeaderElector
{
    private readonly ResourceClient<Lease> _leases;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private string? _observedVersion;
    private long _observedAt;
    private volatile bool _isLeader;
    private TimeSpan _expiresIn = TimeSpan.MaxValue;

    /// <summary>An elector using <paramref name="client"/> for the lease.</summary>
    public LeaderElector(KubeClient client, LeaderElectionOptions options, TimeProvider? time = null, ILogger? logger = null)
    {
        if (options.RenewDeadline >= options.LeaseDuration) throw new ArgumentException("RenewDeadline must be shorter than LeaseDuration", nameof(options));
        _leases = client.Resource<Lease>();
        Options = options;
        _time = time ?? TimeProvider.System;
        _logger = logger ?? NullLogger.Instance;
    }

    /// <summary>The options.</summary>
    public LeaderElectionOptions Options { get; }

    /// <summary>Whether this process leads now.</summary>
    public bool IsLeader => _isLeader;

    /// <summary>Raised (on the elector's loop) when leadership starts and stops.</summary>
    public event Action<bool>? LeadershipChanged;

    /// <summary>
    /// Campaigns until <paramref name="ct"/>: each time leadership is won, runs <paramref name="lead"/> with a token
    /// that is cancelled the moment leadership is lost (or <paramref name="ct"/> is cancelled), waits for it to
    /// return, then campaigns again. On <paramref name="ct"/>, releases the lease after <paramref name="lead"/> returned.
    /// </summary>
    public async Task RunAsync(Func<CancellationToken, Task> lead, CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            if (!await AcquireAsync(ct).ConfigureAwait(false)) break;
            using var leading = CancellationTokenSource.CreateLinkedTokenSource(ct);
            SetLeader(true);
            var work = RunLeadAsync(lead, leading.Token);
            var stillLeading = await RenewUntilLostAsync(leading.Token).ConfigureAwait(false);
            SetLeader(false);
            await leading.CancelAsync().ConfigureAwait(false);
            await work.ConfigureAwait(false);
            if (stillLeading)
            {
                await ReleaseAsync().ConfigureAwait(false);
                break;
            }
            LogLost(_logger, Options.Name, Options.Identity);
        }
    }

    private void SetLeader(bool value)
    {
        _isLeader = value;
        LeadershipChanged?.Invoke(value);
    }

    private async Task RunLeadAsync(Func<CancellationToken, Task> lead, CancellationToken ct)
    {
        try
        {
            await lead(ct).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
    }

    private async Task<bool> AcquireAsync(CancellationToken ct)
    {
        while (true)
        {
            try
            {
                if (await TryAcquireOrRenewAsync(ct).ConfigureAwait(false))
                {
                    LogAcquired(_logger, Options.Name, Options.Identity);
                    return true;
                }
            }
            catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
            {
                LogAttemptFailed(_logger, Options.Name, e.Message);
            }
            try
            {
                // Candidates look twice per retry period, so a lease released on graceful stop changes hands in about a
                // second; and they wake exactly when another holder's lease would expire if that comes first.
                var wait = Jittered(Options.RetryPeriod / 2);
                if (_expiresIn < wait) wait = _expiresIn + TimeSpan.FromMilliseconds(10);
                await Task.Delay(wait, _time, ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return false;
            }
        }
    }

    // Returns true when stopped by the caller while still leading, false when leadership was lost.
    private async Task<bool> RenewUntilLostAsync(CancellationToken ct)
    {
        var lastRenewal = _time.GetTimestamp();
        while (true)
        {
            var deadline = lastRenewal + Ticks(Options.RenewDeadline);
            try
            {
                await Task.Delay(Min(Options.RetryPeriod, Remaining(deadline)), _time, ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return true;
            }
            if (Remaining(deadline) <= TimeSpan.Zero) return false;

            var sent = _time.GetTimestamp();
            using var attempt = CancellationTokenSource.CreateLinkedTokenSource(ct);
            attempt.CancelAfter(Remaining(deadline));
            try
            {
                if (await TryAcquireOrRenewAsync(attempt.Token).ConfigureAwait(false))
                {
                    lastRenewal = sent;
                    continue;
                }
                // Someone else holds the lease now: stop at once.
                return false;
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return true;
            }
            catch (Exception e)
            {
                LogAttemptFailed(_logger, Options.Name, e.Message);
            }
        }
    }

    private async Task<bool> TryAcquireOrRenewAsync(CancellationToken ct)
    {
        var now = _time.GetUtcNow();
        var lease = await _leases.TryGetAsync(Options.Namespace, Options.Name, ct).ConfigureAwait(false);
        var duration = (int)Math.Ceiling(Options.LeaseDuration.TotalSeconds);
        if (lease is null)
        {
            try
            {
                await _leases.CreateAsync(new Lease
                {
                    Metadata = new ObjectMeta { Name = Options.Name, Namespace = Options.Namespace },
                    Spec = new LeaseSpec { HolderIdentity = Options.Identity, LeaseDurationSeconds = duration, AcquireTime = now, RenewTime = now, LeaseTransitions = 0 },
                }, ct: ct).ConfigureAwait(false);
                return true;
            }
            catch (ApiStatusException e) when (e.IsAlreadyExists)
            {
                return false;
            }
        }

        if (lease.Metadata.ResourceVersion != _observedVersion)
        {
            _observedVersion = lease.Metadata.ResourceVersion;
            _observedAt = _time.GetTimestamp();
        }
        var holder = lease.Spec.HolderIdentity;
        var held = !string.IsNullOrEmpty(holder) && holder != Options.Identity;
        var heldFor = TimeSpan.FromSeconds(lease.Spec.LeaseDurationSeconds ?? duration);
        _expiresIn = TimeSpan.MaxValue;
        if (held && _time.GetElapsedTime(_observedAt) < heldFor)
        {
            _expiresIn = heldFor - _time.GetElapsedTime(_observedAt);
            return false;
        }

        var spec = lease.Spec;
        if (holder != Options.Identity)
        {
            spec.AcquireTime = now;
            spec.LeaseTransitions = (spec.LeaseTransitions ?? 0) + (string.IsNullOrEmpty(holder) && spec.LeaseTransitions is null ? 0 : 1);
        }
        spec.HolderIdentity = Options.Identity;
        spec.LeaseDurationSeconds = duration;
        spec.RenewTime = now;
        try
        {
            var updated = await _leases.UpdateAsync(lease, ct: ct).ConfigureAwait(false);
            _observedVersion = updated.Metadata.ResourceVersion;
            _observedAt = _time.GetTimestamp();
            return true;
        }
        catch (ApiStatusException e) when (e.IsConflict)
        {
            return false;
        }
    }

    private async Task ReleaseAsync()
    {
        using var timeout = new CancellationTokenSource(Options.RetryPeriod * 2);
        try
        {
            var lease = await _leases.TryGetAsync(Options.Namespace, Options.Name, timeout.Token).ConfigureAwait(false);
            if (lease is null || lease.Spec.HolderIdentity != Options.Identity) return;
            lease.Spec.HolderIdentity = null;
            lease.Spec.LeaseDurationSeconds = 1;
            lease.Spec.RenewTime = _time.GetUtcNow();
            await _leases.UpdateAsync(lease, ct: timeout.Token).ConfigureAwait(false);
            LogReleased(_logger, Options.Name, Options.Identity);
        }
        catch (Exception e)
        {
            // Not released: the others take over after LeaseDuration instead.
            LogAttemptFailed(_logger, Options.Name, e.Message);
        }
    }

    private long Ticks(TimeSpan span) => (long)(span.TotalSeconds * _time.TimestampFrequency);

    private TimeSpan Remaining(long deadline) => TimeSpan.FromSeconds((deadline - _time.GetTimestamp()) / (double)_time.TimestampFrequency);

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? (a < TimeSpan.Zero ? TimeSpan.Zero : a) : (b < TimeSpan.Zero ? TimeSpan.Zero : b);

    private static TimeSpan Jittered(TimeSpan period) => period * (1 + Random.Shared.NextDouble() * 0.1);

    [LoggerMessage(Level = LogLevel.Information, Message = "lease {Lease}: {Identity} is the leader")]
    private static partial void LogAcquired(ILogger logger, string lease, string identity);

    [LoggerMessage(Level = LogLevel.Warning, Message = "lease {Lease}: {Identity} lost leadership")]
    private static partial void LogLost(ILogger logger, string lease, string identity);

    [LoggerMessage(Level = LogLevel.Information, Message = "lease {Lease}: {Identity} released it")]
    private static partial void LogReleased(ILogger logger, string lease, string identity);

    [LoggerMessage(Level = LogLevel.Debug, Message = "lease {Lease}: attempt failed: {Reason}")]
    private static partial void LogAttemptFailed(ILogger logger, string lease, string reason);
}
