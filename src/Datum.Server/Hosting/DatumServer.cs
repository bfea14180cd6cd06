using Datum.Server.Authorization;
using Datum.Server.Builtins;
using Datum.Server.Discovery;
using Datum.Server.Http;
using Datum.Server.OpenApi;
using Datum.Server.Registry;
using Datum.Server.Security;
using Datum.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Datum.Server.Hosting;

/// <summary>
/// One running API server: credentials, storage, the kinds, and the HTTPS endpoint. <see cref="StartAsync"/>
/// returns once it is serving; dispose to stop it.
/// </summary>
public sealed class DatumServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly RevisionedStore _store;

    private DatumServer(WebApplication app, RevisionedStore store, ClusterCredentials credentials, Uri url, string kubeconfigPath, ResourceCatalog catalog, ResourceStore resources)
    {
        Resources = resources;
        _app = app;
        Resources = resources;
        _store = store;
        Credentials = credentials;
        Url = url;
        KubeconfigPath = kubeconfigPath;
        Catalog = catalog;
    }

    /// <summary>The HTTPS address clients use.</summary>
    public Uri Url { get; }

    /// <summary>The admin kubeconfig written at start.</summary>
    public string KubeconfigPath { get; }

    /// <summary>The CA, serving certificate and admin credential.</summary>
    public ClusterCredentials Credentials { get; }

    /// <summary>The kinds served.</summary>
    public ResourceCatalog Catalog { get; }

    /// <summary>
    /// The generic store the HTTP handlers use (validation, strategies, admission): the extension point for
    /// controllers running in this process (Datum.Runtime's in-process transport).
    /// </summary>
    public ResourceStore Resources { get; }

    /// <summary>The storage underneath (for in-process controllers and tests).</summary>
    public IRevisionedStore Store => _store;

    /// <summary>
    /// The pki files every replica on a shared datastore uses (the serving certificate stays per replica, issued
    /// by the shared CA for its own host names).
    /// </summary>
    private static readonly string[] SharedPkiFiles = ["pki/ca.crt", "pki/ca.key", "pki/admin.crt", "pki/admin.key", "pki/admin.token", "pki/" + ServiceAccountSigningKey.FileName];

    /// <summary>Starts a server and returns when it accepts connections.</summary>
    public static async Task<DatumServer> StartAsync(DatumServerOptions options, CancellationToken ct)
    {
        Directory.CreateDirectory(options.DataDirectory);
        async Task<(ClusterCredentials, ServiceAccountSigningKey)> LoadCredentialsAsync(CancellationToken c)
        {
            var loaded = await ClusterCredentials.LoadOrCreateAsync(options.DataDirectory, c).ConfigureAwait(false);
            return (loaded, await ServiceAccountSigningKey.LoadOrCreateAsync(loaded.PkiDirectory, c).ConfigureAwait(false));
        }
        // With a shared datastore every replica must accept the same credentials: they live in the database.
        var (credentials, signingKey) = string.IsNullOrEmpty(options.DatastoreEndpoint)
            ? await LoadCredentialsAsync(ct).ConfigureAwait(false)
            : await Datum.Storage.Postgres.PostgresSharedFiles.SynchronizeAsync(
                options.DatastoreEndpoint, options.DataDirectory, SharedPkiFiles, LoadCredentialsAsync, ct).ConfigureAwait(false);
        var serviceAccountTokens = new ServiceAccountTokens(signingKey, credentials.Time);
        var store = await RevisionedStore.OpenAsync(new RevisionedStoreOptions(Path.Combine(options.DataDirectory, "datum.db"))
        {
            DatastoreEndpoint = options.DatastoreEndpoint,
            CompactionInterval = options.CompactionInterval,
            CompactionRetention = options.CompactionRetention,
            // Background compaction and (PostgreSQL) the change feed retry on their own; say why they had to.
            OnBackgroundError = e => Console.Error.WriteLine($"{DateTime.Now:HH:mm:ss} warn: storage: {e.GetBaseException().Message}"),
        }, ct).ConfigureAwait(false);
        try
        {
            var catalog = new ResourceCatalog();
            // A module (IAM) may replace the allow-all authorizer; the last one that offers wins.
            IAuthorizer authorizer = options.Modules.OfType<IAuthorizerProvider>().LastOrDefault()?.CreateAuthorizer(store, catalog) ?? new AuthenticatedAuthorizer();
            BuiltinKinds.AddTo(catalog, authorizer);
            options.ConfigureKinds?.Invoke(catalog);
            foreach (var module in options.Modules) module.AddKinds(catalog);
            var admission = new List<IAdmissionPlugin> { new PlatformOnlyAdmission() };
            admission.AddRange(options.Modules.SelectMany(m => m.CreateAdmissionPlugins(store, catalog)));
            var resourceStore = new ResourceStore(store, admission, TimeProvider.System);
            await Tenancy.ControlPlaneBootstrap.EnsureNamespacesAsync(resourceStore, StorageKeys.RootCluster, NamespaceKind.SystemNamespaces, ct).ConfigureAwait(false);

            var builder = WebApplication.CreateSlimBuilder();
            builder.Logging.ClearProviders();
            builder.Logging.AddSimpleConsole(o => { o.SingleLine = true; o.TimestampFormat = "HH:mm:ss "; });
            builder.Logging.SetMinimumLevel(options.LogLevel);
            builder.WebHost.ConfigureKestrel(kestrel =>
            {
                kestrel.UseDatumHttps(credentials, options.BindAddress, options.SecurePort);
                kestrel.Limits.MaxRequestBodySize = RequestBody.MaxBytes + 1024 * 1024;
            });
            builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(4));
            builder.Services.AddSingleton(catalog);
            builder.Services.AddSingleton(resourceStore);
            builder.Services.AddSingleton(authorizer);
            builder.Services.AddSingleton(serviceAccountTokens);
            var userTokens = new UserTokens(await ServiceAccountSigningKey.LoadOrCreateAsync(credentials.PkiDirectory, ct).ConfigureAwait(false), credentials.Time);
            builder.Services.AddSingleton(userTokens);
            builder.Services.AddSingleton(new RequestAuthenticator(credentials,
                [new UserTokenAuthenticator(userTokens), new ServiceAccountTokenAuthenticator(serviceAccountTokens, resourceStore)]));
            builder.Services.AddSingleton<DiscoveryDocuments>();
            builder.Services.AddSingleton<OpenApiDocuments>();
            builder.Services.AddSingleton(options.Watch);
            builder.Services.AddHostedService<Controllers.NamespaceLifecycleController>();
            builder.Services.AddHostedService<Controllers.GarbageCollector>();
            builder.Services.AddHostedService<Controllers.DefaultServiceAccountController>();
            builder.Services.AddHostedService<CustomResources.CustomResourceDefinitionController>();
            if (options.TrimMemoryWhenIdle)
            {
                builder.Services.AddSingleton(sp => new IdleMemoryTrimmer(TimeProvider.System, sp.GetRequiredService<ILogger<IdleMemoryTrimmer>>()));
                builder.Services.AddHostedService(sp => sp.GetRequiredService<IdleMemoryTrimmer>());
            }
            foreach (var module in options.Modules) module.AddServices(builder.Services);
            var app = builder.Build();
            app.UseMiddleware<ApiDispatcher>();
            await app.StartAsync(ct).ConfigureAwait(false);

            var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
            var port = new Uri(address).Port;
            var host = options.BindAddress.Equals(System.Net.IPAddress.Any) || options.BindAddress.Equals(System.Net.IPAddress.IPv6Any)
                ? "127.0.0.1"
                : options.BindAddress.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{options.BindAddress}]" : options.BindAddress.ToString();
            var url = new Uri($"https://{host}:{port}");
            var kubeconfigPath = Path.Combine(options.DataDirectory, "admin.kubeconfig");
            await KubeconfigWriter.WriteAsync(kubeconfigPath, AdminKubeconfig(credentials, url), ct).ConfigureAwait(false);
            return new DatumServer(app, store, credentials, url, kubeconfigPath, catalog, resourceStore);
        }
        catch
        {
            await store.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>The admin kubeconfig for a server at <paramref name="url"/>.</summary>
    public static string AdminKubeconfig(ClusterCredentials credentials, Uri url) => KubeconfigWriter.Render(KubeconfigSpec.ForAdminCertificate(credentials, url.ToString().TrimEnd('/')));

    /// <summary>Waits until the host is asked to stop (SIGINT/SIGTERM) .</summary>
    public Task WaitForShutdownAsync(CancellationToken ct) => _app.WaitForShutdownAsync(ct);

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        using (var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(4)))
        {
            try
            {
                await _app.StopAsync(timeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // Long watches were cut off; storage is closed below regardless.
            }
        }
        await _app.DisposeAsync().ConfigureAwait(false);
        await _store.DisposeAsync().ConfigureAwait(false);
    }
}
