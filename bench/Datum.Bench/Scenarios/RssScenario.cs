using System.Globalization;

namespace Datum.Bench.Scenarios;

/// <summary>Reads the server's VmRSS from /proc/PID/status.</summary>
public static class RssScenario
{
    public static void Measure(BenchContext ctx, string when, bool withTarget)
    {
        if (ctx.Options.ServerPid is not { } pid)
        {
            return;
        }
        var mib = ReadRssMiB(pid);
        var metric = $"server RSS {when}";
        if (mib is null)
        {
            ctx.Report.Info("rss", metric, $"unavailable (/proc/{pid}/status)");
            return;
        }
        var value = Report.Num(mib.Value, "F1") + " MiB";
        Console.Error.WriteLine($"> {metric}: {value}");
        if (withTarget)
        {
            ctx.Report.Check($"rss ({ctx.NameCount} objects)", metric, value, "≤ 300 MiB (10k objects)", mib.Value <= 300, ctx.NameCount >= 10_000);
        }
        else
        {
            ctx.Report.Info($"rss ({ctx.NameCount} objects)", metric, value);
        }
    }

    public static double? ReadRssMiB(int pid)
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{pid}/status"))
            {
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                {
                    var kb = long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
                    return kb / 1024.0;
                }
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
        return null;
    }
}
