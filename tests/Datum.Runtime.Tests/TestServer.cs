using Datum.Runtime.Client;
using Datum.Runtime.InProcess;
using Datum.Server.Hosting;
using Datum.Server.Registry;

namespace Datum.Runtime.Tests;

/// <summary>An API server in this process on a free port, with both transports.</summary>
public sealed class TestServer : IAsyncDisposable
{
    private TestServer(DatumServer server, string dataDir)
    {
        Server = server;
        DataDir = dataDir;
        Http = HttpApiTransport.FromKubeconfig(server.KubeconfigPath);
        InProcess = new InProcessTransport(new ResourceStore(server.Store, [], TimeProvider.System), server.Catalog);
    }

    public DatumServer Server { get; }
    public string DataDir { get; }
    public HttpApiTransport Http { get; }
    public InProcessTransport InProcess { get; }

    public static async Task<TestServer> StartAsync()
    {
        var dir = Directory.CreateTempSubdirectory("datum-runtime-").FullName;
        var server = await DatumServer.StartAsync(new DatumServerOptions { DataDirectory = dir, SecurePort = 0 }, CancellationToken.None);
        return new TestServer(server, dir);
    }

    public IApiTransport Transport(string kind) => kind == "http" ? Http : InProcess;

    public async ValueTask DisposeAsync()
    {
        await Http.DisposeAsync();
        await Server.DisposeAsync();
        try
        {
            Directory.Delete(DataDir, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

/// <summary>Polls a condition with a generous deadline (never asserts timings).</summary>
public static class Eventually
{
    public static async Task TrueAsync(Func<Task<bool>> condition, string what, int timeoutSeconds = 60)
    {
        var deadline = DateTime.UtcNow.AddSeconds(timeoutSeconds);
        while (true)
        {
            if (await condition()) return;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"not true within {timeoutSeconds} s: {what}");
            await Task.Delay(50);
        }
    }

    public static Task TrueAsync(Func<bool> condition, string what, int timeoutSeconds = 60) =>
        TrueAsync(() => Task.FromResult(condition()), what, timeoutSeconds);
}
