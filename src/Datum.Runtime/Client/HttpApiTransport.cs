using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Security;
using System.Runtime.CompilerServices;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using Datum.Runtime.Api;

namespace Datum.Runtime.Client;

/// <summary>
/// HTTPS to any Kubernetes-compatible API server, authenticated by a client certificate or a bearer token from a
/// kubeconfig; HTTP/2 when the server offers it (one connection carries every watch). <see cref="Server"/> can be
/// changed while running (a restarted server on a new port): requests after the change go to the new address.
/// </summary>
public sealed class HttpApiTransport : IApiTransport
{
    private readonly HttpClient _http;
    private readonly X509Certificate2? _clientCertificate;
    private readonly X509Certificate2? _ca;
    private readonly string? _token;
    private volatile Uri _server;

    /// <summary>Connects with the credentials of <paramref name="config"/>.</summary>
    public HttpApiTransport(Kubeconfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        _server = config.Server;
        _token = config.Token;
        if (config.ClientCertificatePem is not null && config.ClientKeyPem is not null)
        {
            using var pem = X509Certificate2.CreateFromPem(config.ClientCertificatePem, config.ClientKeyPem);
            // Re-imported so SslStream can use the private key on every platform.
            _clientCertificate = X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
        }
        if (config.CertificateAuthorityPem is not null) _ca = X509Certificate2.CreateFromPem(config.CertificateAuthorityPem);

        var ssl = new SslClientAuthenticationOptions
        {
            ClientCertificates = _clientCertificate is null ? null : new X509CertificateCollection { _clientCertificate },
            RemoteCertificateValidationCallback = (_, certificate, _, errors) => Validate(certificate, errors, config.InsecureSkipTlsVerify),
        };
        var handler = new SocketsHttpHandler
        {
            SslOptions = ssl,
            EnableMultipleHttp2Connections = true,
            PooledConnectionLifetime = TimeSpan.FromMinutes(10),
            ConnectTimeout = TimeSpan.FromSeconds(5),
            KeepAlivePingDelay = TimeSpan.FromSeconds(30),
            KeepAlivePingTimeout = TimeSpan.FromSeconds(15),
        };
        _http = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
    }

    /// <summary>A transport for the kubeconfig at <paramref name="path"/>.</summary>
    public static HttpApiTransport FromKubeconfig(string path, string? context = null) => new(Kubeconfig.Load(path, context));

    /// <summary>The server's base URL.</summary>
    public Uri Server
    {
        get => _server;
        set => _server = value ?? throw new ArgumentNullException(nameof(value));
    }

    /// <summary>How long a non-watch request may take.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <inheritdoc />
    public async Task<ApiResponse> SendAsync(ApiRequest request, CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(RequestTimeout);
        using var message = Build(request);
        try
        {
            using var response = await _http.SendAsync(message, HttpCompletionOption.ResponseContentRead, timeout.Token).ConfigureAwait(false);
            var body = await response.Content.ReadAsByteArrayAsync(timeout.Token).ConfigureAwait(false);
            return new ApiResponse((int)response.StatusCode, body);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new TimeoutException($"{request.Verb} {request.Resource} did not complete within {RequestTimeout}");
        }
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<RawWatchEvent> WatchAsync(ApiRequest request, [EnumeratorCancellation] CancellationToken ct)
    {
        using var message = Build(request with { Verb = ApiVerb.Watch });
        using var response = await _http.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, ct).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            var body = await response.Content.ReadAsByteArrayAsync(ct).ConfigureAwait(false);
            Status status;
            try
            {
                status = JsonSerializer.Deserialize(body, RuntimeJsonContext.Default.Status) ?? new Status();
            }
            catch (JsonException)
            {
                status = new Status { Message = Encoding.UTF8.GetString(body) };
            }
            if (status.Code == 0) status.Code = (int)response.StatusCode;
            throw new ApiStatusException(status);
        }
        var stream = await response.Content.ReadAsStreamAsync(ct).ConfigureAwait(false);
        var reader = PipeReader.Create(stream, new StreamPipeReaderOptions(bufferSize: 64 * 1024));
        var lines = new List<byte[]>();
        try
        {
            while (true)
            {
                var result = await reader.ReadAsync(ct).ConfigureAwait(false);
                var buffer = result.Buffer;
                SplitLines(ref buffer, lines);
                reader.AdvanceTo(buffer.Start, buffer.End);
                foreach (var line in lines)
                {
                    if (line.Length > 0) yield return WatchLine.Parse(line);
                }
                lines.Clear();
                if (result.IsCompleted) yield break;
            }
        }
        finally
        {
            await reader.CompleteAsync().ConfigureAwait(false);
        }
    }

    private static void SplitLines(ref ReadOnlySequence<byte> buffer, List<byte[]> lines)
    {
        var reader = new SequenceReader<byte>(buffer);
        while (reader.TryReadTo(out ReadOnlySequence<byte> line, (byte)'\n'))
        {
            lines.Add(line.ToArray());
        }
        buffer = buffer.Slice(reader.Position);
    }

    private HttpRequestMessage Build(ApiRequest request)
    {
        var path = request.Name is null ? request.Resource.CollectionPath(request.Namespace) : request.Resource.ObjectPath(request.Namespace, request.Name, request.Subresource);
        path = ClusterNames.UrlPrefix(request.Cluster) + path;
        var query = new StringBuilder();
        void Add(string key, string? value)
        {
            if (string.IsNullOrEmpty(value)) return;
            query.Append(query.Length == 0 ? '?' : '&').Append(key).Append('=').Append(Uri.EscapeDataString(value));
        }
        var options = request.Options;
        if (request.Verb is ApiVerb.List or ApiVerb.Watch)
        {
            Add("labelSelector", options.LabelSelector);
            Add("fieldSelector", options.FieldSelector);
            if (options.Limit > 0) Add("limit", options.Limit.ToString(System.Globalization.CultureInfo.InvariantCulture));
            Add("continue", options.Continue);
            Add("resourceVersion", options.ResourceVersion);
            Add("resourceVersionMatch", options.ResourceVersionMatch);
        }
        if (request.Verb == ApiVerb.Watch)
        {
            Add("watch", "true");
            if (options.AllowWatchBookmarks) Add("allowWatchBookmarks", "true");
            if (options.TimeoutSeconds is { } seconds) Add("timeoutSeconds", seconds.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
        Add("fieldManager", request.FieldManager);
        if (request.Force) Add("force", "true");
        if (request.DryRun) Add("dryRun", "All");

        var method = request.Verb switch
        {
            ApiVerb.Get or ApiVerb.List or ApiVerb.Watch => HttpMethod.Get,
            ApiVerb.Create => HttpMethod.Post,
            ApiVerb.Update => HttpMethod.Put,
            ApiVerb.Patch => HttpMethod.Patch,
            ApiVerb.Delete => HttpMethod.Delete,
            _ => throw new ArgumentOutOfRangeException(nameof(request)),
        };
        var message = new HttpRequestMessage(method, new Uri(_server, path + query))
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionOrLower,
        };
        message.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        if (_token is not null) message.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _token);
        if (!request.Body.IsEmpty)
        {
            message.Content = new ReadOnlyMemoryContent(request.Body);
            message.Content.Headers.ContentType = new MediaTypeHeaderValue(request.ContentType);
        }
        return message;
    }

    private bool Validate(X509Certificate? certificate, SslPolicyErrors errors, bool insecure)
    {
        if (insecure) return true;
        if (_ca is null) return errors == SslPolicyErrors.None;
        if (certificate is null || (errors & SslPolicyErrors.RemoteCertificateNameMismatch) != 0) return false;
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(_ca);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        using var leaf = new X509Certificate2(certificate);
        return chain.Build(leaf);
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync()
    {
        _http.Dispose();
        _clientCertificate?.Dispose();
        _ca?.Dispose();
        return ValueTask.CompletedTask;
    }
}

/// <summary>Parses one line of a watch stream: <c>{"type":"…","object":{…}}</c>.</summary>
internal static class WatchLine
{
    public static RawWatchEvent Parse(byte[] line)
    {
        var reader = new Utf8JsonReader(line);
        string type = "";
        ReadOnlyMemory<byte> obj = default;
        reader.Read();
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("type"u8))
            {
                reader.Read();
                type = reader.GetString() ?? "";
            }
            else if (reader.ValueTextEquals("object"u8))
            {
                reader.Read();
                var start = (int)reader.TokenStartIndex;
                reader.Skip();
                obj = line.AsMemory(start, (int)reader.BytesConsumed - start);
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }
        return new RawWatchEvent(type, obj);
    }
}
