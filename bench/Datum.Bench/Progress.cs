using System.Diagnostics;
using System.Globalization;

namespace Datum.Bench;

/// <summary>Prints "phase: count, rate" to stderr every second while a phase runs.</summary>
public sealed class Progress : IDisposable
{
    private readonly string phase;
    private readonly long? total;
    private readonly Stopwatch clock = Stopwatch.StartNew();
    private readonly Timer timer;
    private long count;
    private long lastCount;
    private double lastSeconds;

    public Progress(string phase, long? total = null)
    {
        this.phase = phase;
        this.total = total;
        Console.Error.WriteLine($"> {phase}{(total is { } t ? $" ({t})" : "")}");
        timer = new Timer(_ => Print(false), null, 1000, 1000);
    }

    public long Count => Interlocked.Read(ref count);

    public void Add(long n = 1) => Interlocked.Add(ref count, n);

    public void Dispose()
    {
        timer.Dispose();
        Print(true);
    }

    private void Print(bool final)
    {
        var now = clock.Elapsed.TotalSeconds;
        var c = Count;
        var rate = final ? c / Math.Max(now, 1e-9) : (c - lastCount) / Math.Max(now - lastSeconds, 1e-9);
        lastCount = c;
        lastSeconds = now;
        var of = total is { } t ? "/" + t.ToString(CultureInfo.InvariantCulture) : "";
        Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  {phase,-18} {now,6:F1}s {c,8}{of} {(final ? "avg" : "now")} {rate,9:F0}/s{(final ? "  done" : "")}"));
    }
}
