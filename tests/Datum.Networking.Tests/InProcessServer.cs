using Datum.Networking;
using Datum.ResourceManager;
using Datum.Runtime.Client;
using Datum.Runtime.InProcess;
using Datum.Server.Hosting;

namespace Datum.Networking.Tests;

/// <summary>A real server (temp data directory) with the resource manager and networking, and an in-process client.</summary>
public sealed class InProcessServer : IAsyncLifetime
{
    private readonly string _dataDirectory = Directory.CreateTempSubdirectory("datum-net-").FullName;

    public DatumServer Server { get; private set; } = null!;

    public KubeClient Root { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Server = await DatumServer.StartAsync(new DatumServerOptions { DataDirectory = _dataDirectory, SecurePort = 0 }.AddResourceManager().AddNetworking(), CancellationToken.None);
        Root = new KubeClient(new InProcessTransport(Server.Resources, Server.Catalog));
    }

    public async Task DisposeAsync()
    {
        await Server.DisposeAsync();
        try
        {
            Directory.Delete(_dataDirectory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
