using System.Diagnostics;

namespace Datum.Bench;

/// <summary>Manual checks for the pure logic (there is no test project for bench): run with --self-test.</summary>
public static class SelfTest
{
    public static int Run()
    {
        var failures = 0;
        void Check(string what, bool ok)
        {
            Console.WriteLine($"{(ok ? "ok  " : "FAIL")} {what}");
            if (!ok)
            {
                failures++;
            }
        }

        // Nearest rank on 1..100: p50 = 50, p90 = 90, p99 = 99, p100 = 100; on 1..1000: p99 = 990, p99.9 = 999.
        long[] hundred = [.. Enumerable.Range(1, 100).Select(i => (long)i)];
        Check("p50(1..100) = 50", LatencyRecorder.Percentile(hundred, 50) == 50);
        Check("p90(1..100) = 90", LatencyRecorder.Percentile(hundred, 90) == 90);
        Check("p99(1..100) = 99", LatencyRecorder.Percentile(hundred, 99) == 99);
        Check("p100(1..100) = 100", LatencyRecorder.Percentile(hundred, 100) == 100);
        Check("p0(1..100) = 1", LatencyRecorder.Percentile(hundred, 0) == 1);
        long[] thousand = [.. Enumerable.Range(1, 1000).Select(i => (long)i)];
        Check("p99(1..1000) = 990", LatencyRecorder.Percentile(thousand, 99) == 990);
        Check("p99.9(1..1000) = 999", LatencyRecorder.Percentile(thousand, 99.9) == 999);
        Check("p50([7]) = 7", LatencyRecorder.Percentile([7L], 50) == 7);
        Check("p99 of 10 samples is the max", LatencyRecorder.Percentile(hundred.AsSpan(0, 10), 99) == 10);
        Check("p50 of 10 samples is the 5th", LatencyRecorder.Percentile(hundred.AsSpan(0, 10), 50) == 5);

        // Recorder: shuffled 1..1000 ms in 3 parts, merged.
        var parts = new[] { new LatencyRecorder(4), new LatencyRecorder(4), new LatencyRecorder(4) };
        var ms = Stopwatch.Frequency / 1000;
        foreach (var (v, i) in Enumerable.Range(1, 1000).OrderBy(_ => Random.Shared.Next()).Select((v, i) => (v, i)))
        {
            parts[i % 3].Record(v * ms);
        }
        var s = LatencyRecorder.Merge(parts).Summarize();
        Console.WriteLine($"     merged summary: {s}");
        Check("summary count 1000", s.Count == 1000);
        Check("summary p50 = 500 ms", Math.Abs(s.P50Ms - 500) < 1e-6);
        Check("summary p90 = 900 ms", Math.Abs(s.P90Ms - 900) < 1e-6);
        Check("summary p99 = 990 ms", Math.Abs(s.P99Ms - 990) < 1e-6);
        Check("summary max = 1000 ms", Math.Abs(s.MaxMs - 1000) < 1e-6);
        Check("summary min = 1 ms", Math.Abs(s.MinMs - 1) < 1e-6);
        Check("summary mean = 500.5 ms", Math.Abs(s.MeanMs - 500.5) < 1e-6);
        Check("empty summary is NaN", double.IsNaN(new LatencyRecorder().Summarize().P99Ms));

        // Tenancy plumbing: storage keys split into plane and resource; the Ready condition read from a watch event's object.
        Check("key split: project plane, core kind",
            DataDirectoryUsage.TrySplitKey("/registry/project:p1/core/namespaces/default", out var c1, out var r1) && c1 == "project:p1" && r1 == "namespaces");
        Check("key split: root, grouped kind",
            DataDirectoryUsage.TrySplitKey("/registry/root/resourcemanager.miloapis.com/projects/p1", out var c2, out var r2) && c2 == "root" && r2 == "projects.resourcemanager.miloapis.com");
        Check("key split: not an object key", !DataDirectoryUsage.TrySplitKey("/other/x", out _, out _));
        bool Ready(string json)
        {
            using var doc = System.Text.Json.JsonDocument.Parse(json);
            return ConditionWatch.IsReady(doc.RootElement);
        }
        Check("Ready=True is ready", Ready("""{"status":{"conditions":[{"type":"Other","status":"True"},{"type":"Ready","status":"True"}]}}"""));
        Check("Ready=False is not", !Ready("""{"status":{"conditions":[{"type":"Ready","status":"False"}]}}"""));
        Check("no status is not", !Ready("""{"metadata":{"name":"x"}}"""));

        // Kubeconfig with inline data, a file reference and a token user; the second context is selected.
        var dir = Directory.CreateTempSubdirectory("datum-bench-selftest").FullName;
        try
        {
            File.WriteAllText(Path.Combine(dir, "token"), "file-token\n");
            var yaml = """
                apiVersion: v1
                kind: Config
                current-context: a
                clusters:
                - name: c1
                  cluster:
                    server: https://127.0.0.1:16443/
                    insecure-skip-tls-verify: true
                - name: c2
                  cluster:
                    server: https://example.invalid:6443
                contexts:
                - name: a
                  context: {cluster: c1, user: u1, namespace: ns1}
                - name: b
                  context:
                    cluster: c2
                    user: u2
                users:
                - name: u1
                  user:
                    token: abc
                - name: u2
                  user:
                    tokenFile: token
                """;
            var a = Kubeconfig.Parse(yaml, dir);
            Check("kubeconfig: current-context server (trailing / trimmed)", a.Server == "https://127.0.0.1:16443");
            Check("kubeconfig: insecure-skip-tls-verify", a.InsecureSkipTlsVerify);
            Check("kubeconfig: token", a.Token == "abc" && a.Namespace == "ns1");
            var b = Kubeconfig.Parse(yaml, dir, "b");
            Check("kubeconfig: --context b", b.Server == "https://example.invalid:6443" && !b.InsecureSkipTlsVerify);
            Check("kubeconfig: tokenFile relative to the kubeconfig", b.Token == "file-token");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }

        Console.WriteLine(failures == 0 ? "self-test passed" : $"self-test: {failures} failure(s)");
        return failures == 0 ? 0 : 1;
    }
}
