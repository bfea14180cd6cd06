using System.Diagnostics;
using System.Globalization;
using Datum.Runtime.Api.Kinds;
using Datum.Runtime.Client;
using Datum.Testing;

namespace Datum.Runtime.Tests;

/// <summary><c>datum server</c> plus <c>datum controllers --kubeconfig</c> as two real processes.</summary>
public sealed class CommandTests
{
    [Fact]
    public async Task Datum_controllers_runs_against_datum_server_takes_the_lease_and_releases_it_on_sigterm()
    {
        await using var server = await DatumProcess.StartAsync("server");
        await using var transport = HttpApiTransport.FromKubeconfig(server.KubeconfigPath);
        var leases = new KubeClient(transport).Resource<Lease>();

        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { DatumProcess.DatumDll, "controllers", "--kubeconfig", server.KubeconfigPath, "--metrics-bind-address", "127.0.0.1:0" }) psi.ArgumentList.Add(a);
        using var process = Process.Start(psi)!;
        var output = new System.Text.StringBuilder();
        var metricsUrl = new TaskCompletionSource<Uri>(TaskCreationOptions.RunContinuationsAsynchronously);
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            lock (output) output.AppendLine(e.Data);
            if (e.Data.StartsWith("Metrics at ", StringComparison.Ordinal)) metricsUrl.TrySetResult(new Uri(e.Data["Metrics at ".Length..]));
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null) lock (output) output.AppendLine(e.Data);
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            var url = await metricsUrl.Task.WaitAsync(TimeSpan.FromSeconds(90));
            await Eventually.TrueAsync(async () => (await leases.TryGetAsync("kube-system", "datum-controller-manager"))?.Spec.HolderIdentity is { Length: > 0 }, "the controllers process holds the lease");
            using var http = new HttpClient();
            await Eventually.TrueAsync(async () => (await http.GetStringAsync(new Uri(url, "metrics"))).Contains("datum_leader_election_master_status{name=\"datum-controller-manager\"} 1", StringComparison.Ordinal), "metrics show leadership");

            using (var term = Process.Start("kill", ["-TERM", process.Id.ToString(CultureInfo.InvariantCulture)])) await term.WaitForExitAsync();
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
            Assert.Equal(0, process.ExitCode);
            Assert.True(string.IsNullOrEmpty((await leases.GetAsync("kube-system", "datum-controller-manager")).Spec.HolderIdentity));
        }
        catch (Exception e) when (e is not Xunit.Sdk.XunitException)
        {
            lock (output) throw new InvalidOperationException($"{e.Message}\n{output}", e);
        }
        finally
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
        }
    }

    [Fact]
    public async Task Kill_9_of_the_leading_controllers_process_hands_the_lease_to_the_standby()
    {
        await using var server = await DatumProcess.StartAsync("server");
        await using var transport = HttpApiTransport.FromKubeconfig(server.KubeconfigPath);
        var leases = new KubeClient(transport).Resource<Lease>();
        async Task<string?> HolderAsync() => (await leases.TryGetAsync("kube-system", "datum-controller-manager"))?.Spec.HolderIdentity;

        using var first = StartControllers(server.KubeconfigPath);
        await Eventually.TrueAsync(async () => await HolderAsync() is { Length: > 0 }, "the first controllers process leads");
        var firstIdentity = await HolderAsync();
        using var second = StartControllers(server.KubeconfigPath);
        await second.MetricsUrl.WaitAsync(TimeSpan.FromSeconds(90));
        Assert.Equal(firstIdentity, await HolderAsync());

        var killed = Stopwatch.StartNew();
        first.Process.Kill(entireProcessTree: true);
        await Eventually.TrueAsync(async () => await HolderAsync() is { Length: > 0 } holder && holder != firstIdentity, "the standby takes the lease", 60);
        killed.Stop();
        Console.WriteLine($"kill -9 of the leader: the standby led after {killed.Elapsed.TotalSeconds:F2} s");
        // The 15 s lease bounds the handover; a generous margin keeps a loaded machine from failing the test.
        Assert.True(killed.Elapsed < TimeSpan.FromSeconds(40), $"handover took {killed.Elapsed}");
        using var http = new HttpClient();
        var url = await second.MetricsUrl;
        await Eventually.TrueAsync(async () => (await http.GetStringAsync(new Uri(url, "metrics"))).Contains("datum_leader_election_master_status{name=\"datum-controller-manager\"} 1", StringComparison.Ordinal), "the standby's metrics show leadership");
    }

    private static ControllersProcess StartControllers(string kubeconfig)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { DatumProcess.DatumDll, "controllers", "--kubeconfig", kubeconfig, "--metrics-bind-address", "127.0.0.1:0" }) psi.ArgumentList.Add(a);
        var process = Process.Start(psi)!;
        var metrics = new TaskCompletionSource<Uri>(TaskCreationOptions.RunContinuationsAsynchronously);
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data?.StartsWith("Metrics at ", StringComparison.Ordinal) == true) metrics.TrySetResult(new Uri(e.Data["Metrics at ".Length..]));
        };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return new ControllersProcess(process, metrics.Task);
    }

    private sealed record ControllersProcess(Process Process, Task<Uri> MetricsUrl) : IDisposable
    {
        public void Dispose()
        {
            if (!Process.HasExited) Process.Kill(entireProcessTree: true);
            Process.Dispose();
        }
    }
}
