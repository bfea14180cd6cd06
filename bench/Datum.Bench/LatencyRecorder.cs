using System.Diagnostics;

namespace Datum.Bench;

/// <summary>
/// Collects latencies as Stopwatch ticks (not thread-safe: use one per worker and <see cref="Merge"/>).
/// Percentiles use the nearest-rank method on the sorted samples.
/// </summary>
public sealed class LatencyRecorder
{
    private long[] samples;
    private int count;

    public LatencyRecorder(int capacity = 1024) => samples = new long[Math.Max(16, capacity)];

    public int Count => count;

    public void Record(long ticks)
    {
        if (count == samples.Length)
        {
            Array.Resize(ref samples, samples.Length * 2);
        }
        samples[count++] = ticks;
    }

    /// <summary>Records the time since <paramref name="startTimestamp"/> (a Stopwatch timestamp).</summary>
    public void RecordSince(long startTimestamp) => Record(Stopwatch.GetTimestamp() - startTimestamp);

    public static LatencyRecorder Merge(IEnumerable<LatencyRecorder> parts)
    {
        var list = parts.ToList();
        var merged = new LatencyRecorder(list.Sum(p => p.count));
        foreach (var p in list)
        {
            Array.Copy(p.samples, 0, merged.samples, merged.count, p.count);
            merged.count += p.count;
        }
        return merged;
    }

    public LatencySummary Summarize()
    {
        if (count == 0)
        {
            return new LatencySummary(0, double.NaN, double.NaN, double.NaN, double.NaN, double.NaN, double.NaN, double.NaN);
        }
        var sorted = samples.AsSpan(0, count).ToArray();
        Array.Sort(sorted);
        double sum = 0;
        foreach (var s in sorted)
        {
            sum += s;
        }
        return new LatencySummary(
            count,
            ToMs(sorted[0]),
            ToMs(sum / count),
            ToMs(Percentile(sorted, 50)),
            ToMs(Percentile(sorted, 90)),
            ToMs(Percentile(sorted, 99)),
            ToMs(Percentile(sorted, 99.9)),
            ToMs(sorted[^1]));
    }

    /// <summary>Nearest-rank percentile: the smallest sample such that at least p% of samples are ≤ it.</summary>
    public static long Percentile(ReadOnlySpan<long> sorted, double p)
    {
        if (sorted.Length == 0)
        {
            throw new ArgumentException("no samples", nameof(sorted));
        }
        // The small epsilon keeps e.g. p99.9 of 1000 samples at rank 999 despite 99.9/100*1000 = 999.0000000000001.
        var rank = (int)Math.Ceiling(p / 100.0 * sorted.Length - 1e-9);
        return sorted[Math.Clamp(rank, 1, sorted.Length) - 1];
    }

    public static double ToMs(double ticks) => ticks * 1000.0 / Stopwatch.Frequency;
}

public readonly record struct LatencySummary(int Count, double MinMs, double MeanMs, double P50Ms, double P90Ms, double P99Ms, double P999Ms, double MaxMs);
