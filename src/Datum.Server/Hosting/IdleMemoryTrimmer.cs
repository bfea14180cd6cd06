using System.Diagnostics;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Datum.Server.Hosting;

/// <summary>
/// Gives memory back to the operating system when the server goes idle after a burst of work: once a second it looks
/// at how much the process allocated; when that falls below <see cref="IdleBytesPerSecond"/> after at least
/// <see cref="BurstBytes"/> were allocated since the last trim, it runs one aggressive collection, which compacts the
/// heap and decommits what is free. Without it a server that created a thousand projects and went quiet keeps the
/// collector's unused allocation budget and free regions committed until its next busy moment: on a laptop that is
/// tens of MiB held for nothing. A busy server never trims; an idle one trims once per burst. (The same idea as the
/// JVM's periodic collection of an idle heap, JEP 346.) docs/decisions.md, "Garbage collector".
/// </summary>
public sealed partial class IdleMemoryTrimmer(TimeProvider time, ILogger<IdleMemoryTrimmer> logger) : BackgroundService
{
    /// <summary>Less than this allocated in a second counts as idle.</summary>
    public const long IdleBytesPerSecond = 512 * 1024;

    /// <summary>At least this much allocated since the last trim makes a trim worth its pause.</summary>
    public const long BurstBytes = 16L * 1024 * 1024;

    /// <summary>Trims done (for tests and metrics).</summary>
    public int Trims => Volatile.Read(ref _trims);

    private int _trims;

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1), time);
        var last = GC.GetTotalAllocatedBytes();
        // Start-up counts as a burst: a server that starts and waits is trimmed once too.
        var atLastTrim = 0L;
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                var now = GC.GetTotalAllocatedBytes();
                if (now - last < IdleBytesPerSecond && now - atLastTrim >= BurstBytes)
                {
                    var heap = GC.GetGCMemoryInfo().TotalCommittedBytes;
                    var started = Stopwatch.GetTimestamp();
                    GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
                    Interlocked.Increment(ref _trims);
                    LogTrimmed(logger, heap >> 20, GC.GetGCMemoryInfo().TotalCommittedBytes >> 20, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                    now = GC.GetTotalAllocatedBytes();
                    atLastTrim = now;
                }
                last = now;
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "idle: heap compacted, committed {Before} → {After} MiB in {Milliseconds:F0} ms")]
    private static partial void LogTrimmed(ILogger logger, long before, long after, double milliseconds);
}
