using System.Buffers;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace Datum.Bench;

/// <summary>
/// Minimal Kubernetes REST client: one SocketsHttpHandler per instance, JSON only,
/// paths relative to the kubeconfig server URL (which may carry a path prefix).
/// </summary>
public sealed class KubeHttpClient : IDisposable
{
    private static readonly MediaTypeHeaderValue JsonType = new("application/json");
    private readonly HttpClient http;
    private readonly string baseUrl;
    private readonly ErrorLog errors;

    public KubeHttpClient(Kubeconfig config, bool http1, ErrorLog errors)
    {
        this.errors = errors;
        baseUrl = config.Server;
        var ssl = new SslClientAuthenticationOptions();
        var clientCert = config.CreateClientCertificate();
        if (clientCert is not null)
        {
            ssl.ClientCertificates = [clientCert];
        }
        if (config.InsecureSkipTlsVerify)
        {
            ssl.RemoteCertificateValidationCallback = static (_, _, _, _) => true;
        }
        else if (config.CaCertificates.Count > 0)
        {
            var roots = config.CaCertificates;
            ssl.RemoteCertificateValidationCallback = (_, certificate, chain, policyErrors) =>
                ValidateAgainstRoots(certificate, chain, policyErrors, roots);
        }

        var handler = new SocketsHttpHandler
        {
            SslOptions = ssl,
            EnableMultipleHttp2Connections = true,
            PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5),
            ConnectTimeout = TimeSpan.FromSeconds(15),
            AutomaticDecompression = DecompressionMethods.None,
            UseCookies = false,
            MaxConnectionsPerServer = int.MaxValue,
        };
        http = new HttpClient(handler, disposeHandler: true)
        {
            Timeout = Timeout.InfiniteTimeSpan,
            DefaultRequestVersion = http1 ? HttpVersion.Version11 : HttpVersion.Version20,
            DefaultVersionPolicy = http1 ? HttpVersionPolicy.RequestVersionExact : HttpVersionPolicy.RequestVersionOrLower,
        };
        http.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        http.DefaultRequestHeaders.UserAgent.Add(new ProductInfoHeaderValue("datum-bench", "1.0"));
        if (config.Token is not null)
        {
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", config.Token);
        }
    }

    /// <summary>HTTP version of the last response (to report whether HTTP/2 was negotiated).</summary>
    public Version? NegotiatedVersion { get; private set; }

    public string BaseUrl => baseUrl;

    /// <summary>Sends a request, drains the response, records non-2xx under <paramref name="op"/>. Returns the status (0 on transport errors).</summary>
    public async Task<int> SendAsync(HttpMethod method, string path, byte[]? body, string op, CancellationToken ct, int quietStatus = -1)
    {
        try
        {
            using var request = CreateRequest(method, path, body);
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct).ConfigureAwait(false);
            NegotiatedVersion = response.Version;
            var status = (int)response.StatusCode;
            if (response.IsSuccessStatusCode)
            {
                await DrainAsync(response.Content, ct).ConfigureAwait(false);
            }
            else if (status == quietStatus)
            {
                await DrainAsync(response.Content, ct).ConfigureAwait(false);
            }
            else
            {
                errors.Record(op, status, await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false));
            }
            return status;
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException && !ct.IsCancellationRequested)
        {
            errors.Record(op, 0, ex.GetBaseException().Message);
            return 0;
        }
    }

    /// <summary>Sends a request and copies the whole response body into <paramref name="into"/> (reset first).</summary>
    public async Task<int> SendIntoAsync(HttpMethod method, string path, byte[]? body, MemoryStream into, string op, CancellationToken ct, int quietStatus = -1)
    {
        into.SetLength(0);
        try
        {
            using var request = CreateRequest(method, path, body);
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct).ConfigureAwait(false);
            NegotiatedVersion = response.Version;
            var status = (int)response.StatusCode;
            await using (var stream = await response.Content.ReadAsStreamAsync(ct).ConfigureAwait(false))
            {
                await stream.CopyToAsync(into, 81920, ct).ConfigureAwait(false);
            }
            if (!response.IsSuccessStatusCode && status != quietStatus)
            {
                errors.Record(op, status, System.Text.Encoding.UTF8.GetString(into.GetBuffer(), 0, (int)Math.Min(into.Length, 2000)));
            }
            into.Position = 0;
            return status;
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException && !ct.IsCancellationRequested)
        {
            errors.Record(op, 0, ex.GetBaseException().Message);
            return 0;
        }
    }

    /// <summary>Opens a streaming GET (watch); the caller owns the response.</summary>
    public async Task<HttpResponseMessage> OpenStreamAsync(string path, CancellationToken ct)
    {
        var request = CreateRequest(HttpMethod.Get, path, null);
        var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct).ConfigureAwait(false);
        NegotiatedVersion = response.Version;
        return response;
    }

    public void Dispose() => http.Dispose();

    private HttpRequestMessage CreateRequest(HttpMethod method, string path, byte[]? body)
    {
        // HttpClient.DefaultRequestVersion only applies to requests it creates itself, so set the version here.
        var request = new HttpRequestMessage(method, new Uri(baseUrl + path, UriKind.Absolute))
        {
            Version = http.DefaultRequestVersion,
            VersionPolicy = http.DefaultVersionPolicy,
        };
        if (body is not null)
        {
            request.Content = new ByteArrayContent(body);
            request.Content.Headers.ContentType = JsonType;
        }
        return request;
    }

    private static async Task DrainAsync(HttpContent content, CancellationToken ct)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(16 * 1024);
        try
        {
            await using var stream = await content.ReadAsStreamAsync(ct).ConfigureAwait(false);
            while (await stream.ReadAsync(buffer, ct).ConfigureAwait(false) > 0)
            {
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Accepts the server certificate only if it chains to one of the kubeconfig CAs and matches the host name.</summary>
    private static bool ValidateAgainstRoots(X509Certificate? certificate, X509Chain? presented, SslPolicyErrors policyErrors, X509Certificate2Collection roots)
    {
        if (certificate is null || (policyErrors & (SslPolicyErrors.RemoteCertificateNameMismatch | SslPolicyErrors.RemoteCertificateNotAvailable)) != 0)
        {
            return false;
        }
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(roots);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        if (presented is not null)
        {
            foreach (var element in presented.ChainElements)
            {
                chain.ChainPolicy.ExtraStore.Add(element.Certificate);
            }
        }
        var leaf = certificate as X509Certificate2 ?? X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        return chain.Build(leaf);
    }
}
