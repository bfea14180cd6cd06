using System.Diagnostics;
using System.Globalization;
using Datum.Compute.Apis.Compute.V1Alpha;
using Datum.Compute.Apis.Compute.V1Alpha.Types;
using Datum.Networking;
using Datum.Runtime.Api;
using Datum.Runtime.Api.Kinds;
using Datum.Runtime.Client;
using Datum.Runtime.InProcess;
using Datum.Server.Hosting;
using Xunit.Abstractions;

namespace Datum.Compute.Tests;

/// <summary>
/// docs/benchmarks.md "Server write path": the CPU and allocation cost of one write on the generic registry path,
/// through the in-process client with no controllers running, for the writes the compute benchmark does most (status
/// updates of an Instance, a spec update, a merge patch of labels). Runs only with DATUM_UPDATE_BENCH=1; count from
/// DATUM_UPDATE_BENCH_COUNT (2000). Reports, never asserts, timings.
/// </summary>
public sealed class UpdateCostBenchmarkTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Update_cost_of_an_object_with_status()
    {
        if (Environment.GetEnvironmentVariable("DATUM_UPDATE_BENCH") != "1")
        {
            output.WriteLine("skipped: set DATUM_UPDATE_BENCH=1");
            return;
        }
        var count = int.TryParse(Environment.GetEnvironmentVariable("DATUM_UPDATE_BENCH_COUNT"), out var c) && c > 0 ? c : 2000;
        var dir = Directory.CreateTempSubdirectory("datum-update-bench-").FullName;
        var server = await DatumServer.StartAsync(new DatumServerOptions { DataDirectory = dir, SecurePort = 0 }.AddNetworking().AddCompute(), CancellationToken.None);
        try
        {
            var client = new KubeClient(new InProcessTransport(server.Resources, server.Catalog));
            await client.Resource<Namespace>().CreateAsync(new Namespace { Metadata = new ObjectMeta { Name = "bench" } });
            var api = client.Resource<InstanceObject>();
            var template = ComputeFixture.Template();
            var instance = await api.CreateAsync(new InstanceObject
            {
                Metadata = new ObjectMeta { Name = "i-0", Namespace = "bench", Labels = new() { ["app"] = "hello" } },
                Spec = template.Spec,
            });
            var start = DateTimeOffset.Parse("2026-01-01T00:00:00Z", CultureInfo.InvariantCulture);

            // Status writes alternate two condition states, as a provider flipping Programmed/Running would.
            async Task StatusAsync(int i)
            {
                instance.Status = new InstanceStatus
                {
                    Conditions =
                    [
                        new Condition { Type = "Programmed", Status = i % 2 == 0 ? "True" : "False", Reason = i % 2 == 0 ? "Programmed" : "Pending", Message = "m", LastTransitionTime = start.AddSeconds(i) },
                        new Condition { Type = "Running", Status = "True", Reason = "Running", Message = "running", LastTransitionTime = start },
                    ],
                    NetworkInterfaces = [new InterfaceStatus { Assignments = new Assignments { NetworkIP = "10.0.0." + (i % 200 + 2) } }],
                };
                instance = await api.UpdateStatusAsync(instance);
            }
            async Task SpecAsync(int i)
            {
                instance.Metadata.Annotations = new() { ["bench/step"] = i.ToString(CultureInfo.InvariantCulture) };
                instance = await api.UpdateAsync(instance);
            }
            async Task PatchAsync(int i) =>
                instance = await api.PatchAsync("bench", "i-0", PatchType.Merge,
                    new System.Text.Json.Nodes.JsonObject { ["metadata"] = new System.Text.Json.Nodes.JsonObject { ["labels"] = new System.Text.Json.Nodes.JsonObject { ["step"] = i.ToString(CultureInfo.InvariantCulture) } } });

            foreach (var (what, write) in new (string, Func<int, Task>)[] { ("status update", StatusAsync), ("update", SpecAsync), ("merge patch", PatchAsync) })
            {
                for (var i = 0; i < Math.Min(200, count); i++) await write(i);
                GC.Collect();
                var cpu = Process.GetCurrentProcess().TotalProcessorTime;
                var allocated = GC.GetTotalAllocatedBytes(precise: true);
                var gcs = GC.CollectionCount(0);
                var clock = Stopwatch.StartNew();
                for (var i = 0; i < count; i++) await write(i);
                clock.Stop();
                var cpuUsed = Process.GetCurrentProcess().TotalProcessorTime - cpu;
                var bytes = GC.GetTotalAllocatedBytes(precise: true) - allocated;
                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{what}: {count} writes in {clock.Elapsed.TotalSeconds:F2} s = {clock.Elapsed.TotalMicroseconds / count:F0} µs/write wall, {cpuUsed.TotalMicroseconds / count:F0} µs/write CPU, {bytes / count / 1024.0:F1} KiB allocated/write, {GC.CollectionCount(0) - gcs} gen0 GCs"));
            }
        }
        finally
        {
            await server.DisposeAsync();
            try
            {
                Directory.Delete(dir, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }
}
