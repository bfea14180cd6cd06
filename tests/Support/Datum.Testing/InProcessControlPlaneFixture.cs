using Datum.Runtime.Client;
using Datum.Runtime.Hosting;
using Datum.Runtime.InProcess;
using Datum.Server.Hosting;

namespace Datum.Testing;

/// <summary>
/// A real server (temporary data directory) in this process, a client over the in-process transport, and one
/// manager running the controllers a test project sets up — the shape of every service's controller tests.
/// </summary>
public abstract class InProcessControlPlaneFixture(string directoryPrefix) : IAsyncLifetime
{
    private readonly string _dir = Directory.CreateTempSubdirectory(directoryPrefix).FullName;
    private readonly CancellationTokenSource _stop = new();
    private Task _running = Task.CompletedTask;

    public DatumServer Server { get; private set; } = null!;

    public KubeClient Client { get; private set; } = null!;

    public Manager Manager { get; private set; } = null!;

    /// <summary>The services the server serves (networking, compute, ...).</summary>
    protected abstract DatumServerOptions AddServices(DatumServerOptions options);

    /// <summary>The transport the client uses; override to wrap it (e.g. to count requests).</summary>
    protected virtual IApiTransport Transport(IApiTransport inProcess) => inProcess;

    /// <summary>Seeds objects through <see cref="Client"/> and registers controllers on <see cref="Manager"/>, before it runs.</summary>
    protected abstract Task SetUpAsync();

    public async Task InitializeAsync()
    {
        Server = await DatumServer.StartAsync(AddServices(new DatumServerOptions { DataDirectory = _dir, SecurePort = 0 }), CancellationToken.None);
        Client = new KubeClient(Transport(new InProcessTransport(Server.Resources, Server.Catalog)));
        Manager = new Manager(Client);
        await SetUpAsync();
        _running = Task.Run(() => Manager.RunAsync(_stop.Token));
        await Manager.WaitForReadyAsync(CancellationToken.None);
    }

    public async Task DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await _running;
        }
        catch (OperationCanceledException)
        {
        }
        await Server.DisposeAsync();
        _stop.Dispose();
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    /// <summary>Polls with a generous deadline; never asserts timings.</summary>
    public static async Task EventuallyAsync(Func<Task<bool>> condition, string what, int timeoutSeconds = 120)
    {
        var deadline = DateTime.UtcNow.AddSeconds(timeoutSeconds);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"not true within {timeoutSeconds} s: {what}");
            await Task.Delay(50);
        }
    }
}
