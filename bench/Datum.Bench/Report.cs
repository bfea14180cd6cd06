using System.Globalization;
using System.Text;

namespace Datum.Bench;

/// <summary>Collects result rows and renders the markdown report.</summary>
public sealed class Report
{
    private readonly List<Row> rows = [];
    private readonly List<string> notes = [];

    public sealed record Row(string Scenario, string Metric, string Value, string Target, string Result);

    public void Info(string scenario, string metric, string value) =>
        rows.Add(new Row(scenario, metric, value, "", ""));

    /// <summary>A row with a target; <paramref name="applicable"/> false prints "n/a" instead of PASS/MISS.</summary>
    public void Check(string scenario, string metric, string value, string target, bool pass, bool applicable = true) =>
        rows.Add(new Row(scenario, metric, value, target, !applicable ? "n/a" : pass ? "PASS" : "MISS"));

    public void Note(string note) => notes.Add(note);

    public static string Ms(double ms) => double.IsNaN(ms) ? "-" : ms.ToString(ms < 10 ? "F2" : "F1", CultureInfo.InvariantCulture) + " ms";

    public static string Num(double n, string format = "F0") => n.ToString(format, CultureInfo.InvariantCulture);

    public string Render(string header)
    {
        var sb = new StringBuilder();
        sb.AppendLine(header);
        sb.AppendLine();
        sb.AppendLine("| Scenario | Metric | Value | Target | Result |");
        sb.AppendLine("|---|---|---:|---|---|");
        foreach (var r in rows)
        {
            sb.AppendLine(CultureInfo.InvariantCulture, $"| {r.Scenario} | {r.Metric} | {r.Value} | {r.Target} | {r.Result} |");
        }
        if (notes.Count > 0)
        {
            sb.AppendLine();
            sb.AppendLine("Notes:");
            sb.AppendLine();
            foreach (var n in notes)
            {
                sb.AppendLine(CultureInfo.InvariantCulture, $"- {n}");
            }
        }
        return sb.ToString();
    }

    public static string Header(string serverUrl, string? protocol, IEnumerable<string> args)
    {
        var sb = new StringBuilder();
        sb.AppendLine(CultureInfo.InvariantCulture, $"# datum-bench results — {DateTime.UtcNow:yyyy-MM-dd HH:mm:ss} UTC");
        sb.AppendLine();
        sb.AppendLine(CultureInfo.InvariantCulture, $"- Machine: {Environment.ProcessorCount} CPUs (nproc), {MemTotal()} RAM, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}");
        sb.AppendLine(CultureInfo.InvariantCulture, $"- Server: {serverUrl} ({protocol ?? "unknown protocol"})");
        sb.Append(CultureInfo.InvariantCulture, $"- Command: `datum-bench {string.Join(' ', args.Select(Quote))}`");
        return sb.ToString();
    }

    private static string Quote(string a) => a.Length == 0 || a.Any(char.IsWhiteSpace) ? "'" + a + "'" : a;

    private static string MemTotal()
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/meminfo"))
            {
                if (line.StartsWith("MemTotal:", StringComparison.Ordinal))
                {
                    var kb = long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
                    return (kb / 1024.0 / 1024.0).ToString("F1", CultureInfo.InvariantCulture) + " GiB";
                }
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
        return "unknown";
    }
}
