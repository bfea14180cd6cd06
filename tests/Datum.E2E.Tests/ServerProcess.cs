using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.RegularExpressions;

namespace Datum.E2E.Tests;

/// <summary>The real <c>datum up</c> process on a temporary data directory and a free port (or a given one).</summary>
public sealed partial class ServerProcess : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

    private readonly StringBuilder _stdout = new();
    private readonly StringBuilder _stderr = new();
    private readonly bool _ownsDataDir;
    private readonly int _securePort;
    private Process? _process;
    private X509Certificate2? _clientCert;
    private X509Certificate2? _ca;

    private readonly IReadOnlyList<string> _extraArgs;

    private ServerProcess(string dataDir, bool ownsDataDir, int securePort = 0, IReadOnlyList<string>? extraArgs = null)
    {
        _extraArgs = extraArgs ?? [];
        DataDir = dataDir;
        _ownsDataDir = ownsDataDir;
        _securePort = securePort;
    }

    public string DataDir { get; }
    public Uri Url { get; private set; } = null!;
    public string KubeconfigPath => Path.Combine(DataDir, "admin.kubeconfig");
    public string PkiDir => Path.Combine(DataDir, "pki");

    /// <summary>A client trusting only the server's CA, authenticating with the admin client certificate.
    /// Recreated at each start (the port can change); its BaseAddress is <see cref="Url"/>.</summary>
    public HttpClient Http { get; private set; } = null!;

    public int Pid => _process?.Id ?? -1;
    public bool HasExited => _process is null || _process.HasExited;

    /// <summary>What the process printed so far (both streams), for diagnostics.</summary>
    public string Logs
    {
        get
        {
            lock (_stdout)
            {
                return $"--- stdout ---\n{_stdout}\n--- stderr ---\n{_stderr}";
            }
        }
    }

    /// <param name="dataDir">An existing data directory (kept on dispose); null for a new temporary one (deleted on dispose).</param>
    /// <param name="securePort">The port for every start of this process; 0 picks a free one each time.</param>
    /// <param name="extraArgs">More arguments for <c>datum up</c> (e.g. <c>--datastore-endpoint</c>).</param>
    public static async Task<ServerProcess> StartAsync(string? dataDir = null, int securePort = 0, IReadOnlyList<string>? extraArgs = null)
    {
        var owns = dataDir is null;
        dataDir ??= Directory.CreateTempSubdirectory("datum-e2e-").FullName;
        var server = new ServerProcess(dataDir, owns, securePort, extraArgs);
        try
        {
            await server.LaunchAsync().ConfigureAwait(false);
        }
        catch
        {
            await server.DisposeAsync().ConfigureAwait(false);
            throw;
        }
        return server;
    }

    public static string DatumDll => Path.Combine(AppContext.BaseDirectory, "datum.dll");

    private async Task LaunchAsync()
    {
        var psi = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var a in new[] { DatumDll, "up", "--data-dir", DataDir, "--secure-port", _securePort.ToString(System.Globalization.CultureInfo.InvariantCulture) }.Concat(_extraArgs))
        {
            psi.ArgumentList.Add(a);
        }
        psi.Environment.Remove("DATUM_DATA_DIR");
        psi.Environment.Remove("DATUM_DATASTORE_ENDPOINT");

        var serving = new TaskCompletionSource<Uri>(TaskCreationOptions.RunContinuationsAsynchronously);
        var process = new Process { StartInfo = psi, EnableRaisingEvents = true };
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                serving.TrySetException(new InvalidOperationException("datum closed stdout before printing the serving line"));
                return;
            }
            lock (_stdout)
            {
                _stdout.AppendLine(e.Data);
            }
            var m = ServingLine().Match(e.Data);
            if (m.Success)
            {
                serving.TrySetResult(new Uri(m.Groups[1].Value));
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (_stdout)
                {
                    _stderr.AppendLine(e.Data);
                }
            }
        };
        process.Exited += (_, _) => serving.TrySetException(new InvalidOperationException("datum exited before serving"));
        lock (_stdout)
        {
            _stdout.AppendLine($"=== start {DateTime.UtcNow:O}");
        }
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;

        Uri url;
        try
        {
            url = await serving.Task.WaitAsync(StartTimeout).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            // Give the stderr pump a moment to flush what the process printed on its way out.
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
            throw new InvalidOperationException($"datum up did not start ({e.Message}); exit code {(process.HasExited ? process.ExitCode : -1)}\n{Logs}", e);
        }

        Url = url;
        LoadCredentials();
        Http?.Dispose();
        Http = CreateHttpClient();
    }

    private void LoadCredentials()
    {
        _clientCert?.Dispose();
        _ca?.Dispose();
        var cert = X509Certificate2.CreateFromPem(
            File.ReadAllText(Path.Combine(PkiDir, "admin.crt")), File.ReadAllText(Path.Combine(PkiDir, "admin.key")));
        // Re-import so the private key is usable by SslStream on every platform.
        _clientCert = X509CertificateLoader.LoadPkcs12(cert.Export(X509ContentType.Pkcs12), null);
        cert.Dispose();
        _ca = X509Certificate2.CreateFromPem(File.ReadAllText(Path.Combine(PkiDir, "ca.crt")));
    }

    /// <summary>A new client for this server, optionally without the client certificate (for auth tests).</summary>
    public HttpClient CreateHttpClient(bool withClientCertificate = true, TimeSpan? timeout = null)
    {
        var ca = _ca!;
        var handler = new SocketsHttpHandler
        {
            SslOptions = new SslClientAuthenticationOptions
            {
                ClientCertificates = withClientCertificate ? new X509CertificateCollection { _clientCert! } : null,
                LocalCertificateSelectionCallback = withClientCertificate
                    ? (_, _, _, _, _) => _clientCert!
                    : null,
                RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
                {
                    if (certificate is null)
                    {
                        return false;
                    }
                    using var chain = new X509Chain();
                    chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                    chain.ChainPolicy.CustomTrustStore.Add(ca);
                    chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                    using var leaf = new X509Certificate2(certificate);
                    // Name mismatch is still an error; only the chain is validated against our CA.
                    return (errors & SslPolicyErrors.RemoteCertificateNameMismatch) == 0 && chain.Build(leaf);
                },
            },
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        };
        var client = new HttpClient(handler) { BaseAddress = Url, Timeout = timeout ?? TimeSpan.FromSeconds(30) };
        client.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        return client;
    }

    /// <summary>kill -9: no chance to flush or close anything.</summary>
    public void Kill()
    {
        if (_process is { HasExited: false } p)
        {
            p.Kill(entireProcessTree: true);
            p.WaitForExit(10_000);
        }
    }

    /// <summary>SIGTERM and wait up to 10 s. Returns false (after killing it) if it did not exit in time.</summary>
    public async Task<bool> StopAsync()
    {
        if (_process is not { HasExited: false } p)
        {
            return true;
        }
        using (var kill = Process.Start("kill", ["-TERM", p.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync().ConfigureAwait(false);
        }
        try
        {
            await p.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
            return true;
        }
        catch (TimeoutException)
        {
            Kill();
            return false;
        }
    }

    /// <summary>Start again on the same data directory (stops it first if it still runs). The port may change.</summary>
    public async Task RestartAsync()
    {
        if (!HasExited)
        {
            await StopAsync().ConfigureAwait(false);
        }
        _process?.Dispose();
        await LaunchAsync().ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await StopAsync().ConfigureAwait(false);
        }
        finally
        {
            _process?.Dispose();
            Http?.Dispose();
            _clientCert?.Dispose();
            _ca?.Dispose();
            if (_ownsDataDir)
            {
                try
                {
                    Directory.Delete(DataDir, recursive: true);
                }
                catch (IOException)
                {
                }
            }
        }
    }

    [GeneratedRegex(@"serving at (https://\S+)")]
    private static partial Regex ServingLine();
}
