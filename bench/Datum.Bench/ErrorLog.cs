using System.Collections.Concurrent;
using System.Globalization;
using System.Text;

namespace Datum.Bench;

/// <summary>Counts failed requests by operation and HTTP status (0 = transport error) and keeps one sample body each.</summary>
public sealed class ErrorLog
{
    private sealed class Entry
    {
        public long Count;
        public string? Sample;
    }

    private readonly ConcurrentDictionary<(string Op, int Status), Entry> entries = new();

    public void Record(string op, int status, string? sample)
    {
        var entry = entries.GetOrAdd((op, status), static _ => new Entry());
        if (Interlocked.Increment(ref entry.Count) == 1)
        {
            entry.Sample = Shorten(sample);
            Console.Error.WriteLine($"  ! {op}: {(status == 0 ? "transport error" : "HTTP " + status.ToString(CultureInfo.InvariantCulture))}: {entry.Sample}");
        }
    }

    public long Count(string op) => entries.Where(e => e.Key.Op == op).Sum(e => Interlocked.Read(ref e.Value.Count));

    /// <summary>"0" or e.g. "12 (409×10, 500×2)".</summary>
    public string Summary(string op)
    {
        var mine = entries.Where(e => e.Key.Op == op).OrderBy(e => e.Key.Status).ToList();
        if (mine.Count == 0)
        {
            return "0";
        }
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"{mine.Sum(e => e.Value.Count)} (");
        sb.AppendJoin(", ", mine.Select(e => $"{(e.Key.Status == 0 ? "transport" : e.Key.Status.ToString(CultureInfo.InvariantCulture))}×{e.Value.Count}"));
        sb.Append(')');
        return sb.ToString();
    }

    public IEnumerable<(string Op, int Status, long Count, string? Sample)> All() =>
        entries.OrderBy(e => e.Key.Op, StringComparer.Ordinal).ThenBy(e => e.Key.Status)
            .Select(e => (e.Key.Op, e.Key.Status, e.Value.Count, e.Value.Sample));

    private static string? Shorten(string? s)
    {
        if (s is null)
        {
            return null;
        }
        s = s.ReplaceLineEndings(" ").Trim();
        return s.Length > 300 ? s[..300] + "…" : s;
    }
}
