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

    /// <summary>CPU time (user + system) the process has used so far, from /proc/PID/stat; null when unreadable.</summary>
    public static TimeSpan? ReadCpuTime(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            // Fields after the command name (which may contain spaces) start after the last ')': state is field 3,
            // utime and stime are fields 14 and 15, in clock ticks (USER_HZ, 100 on Linux).
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
            return TimeSpan.FromSeconds(ticks / 100.0);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
        return null;
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
