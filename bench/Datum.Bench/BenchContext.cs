using System.Globalization;

namespace Datum.Bench;

public sealed record BenchOptions(
    string Namespace,
    int Objects,
    TimeSpan Duration,
    int Watchers,
    int WatchRate,
    int Gets,
    int Concurrency,
    int? ServerPid,
    bool KeepObjects);

/// <summary>State shared by the scenarios.</summary>
public sealed class BenchContext(BenchOptions options, KubeHttpClient client, Kubeconfig config, ErrorLog errors, Report report)
{
    private readonly Lock namesLock = new();
    private readonly List<string> names = [];
    private int nameCounter;

    public BenchOptions Options { get; } = options;
    public KubeHttpClient Client { get; } = client;
    public Kubeconfig Config { get; } = config;

    /// <summary>Where the watch scenario's watches go (another replica of the same cluster); null = <see cref="Config"/>.</summary>
    public Kubeconfig? WatchConfig { get; set; }
    public ErrorLog Errors { get; } = errors;
    public Report Report { get; } = report;

    /// <summary>Random per-run tag so names never collide with leftovers of an earlier run.</summary>
    public string RunId { get; } = Random.Shared.Next(0x10000, 0xfffff).ToString("x5", CultureInfo.InvariantCulture);

    public string ConfigMapsPath => $"/api/v1/namespaces/{Options.Namespace}/configmaps";

    public string ConfigMapPath(string name) => $"/api/v1/namespaces/{Options.Namespace}/configmaps/{name}";

    public string NextName() => "bench-" + RunId + "-" + Interlocked.Increment(ref nameCounter).ToString("D7", CultureInfo.InvariantCulture);

    /// <summary>Bench ConfigMaps known to exist (created by this run and not deleted).</summary>
    public int NameCount
    {
        get
        {
            lock (namesLock)
            {
                return names.Count;
            }
        }
    }

    public void AddNames(IEnumerable<string> created)
    {
        lock (namesLock)
        {
            names.AddRange(created);
        }
    }

    public string[] SnapshotNames()
    {
        lock (namesLock)
        {
            return [.. names];
        }
    }

    /// <summary>Removes and returns the newest names beyond <paramref name="keep"/>.</summary>
    public string[] TakeExcess(int keep)
    {
        lock (namesLock)
        {
            if (names.Count <= keep)
            {
                return [];
            }
            var excess = names.GetRange(keep, names.Count - keep).ToArray();
            names.RemoveRange(keep, names.Count - keep);
            return excess;
        }
    }

    public void ClearNames()
    {
        lock (namesLock)
        {
            names.Clear();
        }
    }

    public static bool IsSuccess(int status) => status is >= 200 and < 300;
}
