using System.Diagnostics;
using System.Globalization;
using Datum.Runtime.Api.Kinds;
using Datum.Runtime.Client;

namespace Datum.Runtime.Tests;

/// <summary><c>datum server</c> plus <c>datum controllers --kubeconfig</c> as two real processes.</summary>
public sealed class CommandTests
{
    [Fact]
    public async Task Datum_controllers_runs_against_datum_server_takes_the_lease_and_releases_it_on_sigterm()
    {
        await using var server = await ServerProcess.StartAsync("server");
        await using var transport = HttpApiTransport.FromKubeconfig(server.KubeconfigPath);
        var leases = new KubeClient(transport).Resource<Lease>();

        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { ServerProcess.DatumDll, "controllers", "--kubeconfig", server.KubeconfigPath, "--metrics-bind-address", "127.0.0.1:0" }) psi.ArgumentList.Add(a);
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
}
