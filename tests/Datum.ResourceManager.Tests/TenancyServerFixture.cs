using System.Net;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using Datum.Server.Hosting;
using Datum.Server.Http;
using Datum.ResourceManager;

namespace Datum.ResourceManager.Tests;

/// <summary>
/// A real in-process API server over HTTPS (random port, temp data directory) serving the built-in kinds plus
/// the resource manager (copied from Datum.Server.Tests), and an admin client authenticated with the admin client certificate.
/// </summary>
public sealed class TenancyServerFixture : IAsyncLifetime
{
    private static int s_namespaceCounter;
    private readonly string _dataDirectory = Directory.CreateTempSubdirectory("datum-api-").FullName;
    private X509Certificate2? _adminCertificate;

    public DatumServer Server { get; private set; } = null!;

    /// <summary>Authenticated as admin with the client certificate.</summary>
    public ApiClient Admin { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Server = await DatumServer.StartAsync(new DatumServerOptions
        {
            DataDirectory = _dataDirectory,
            SecurePort = 0,
            Watch = new WatchSettings { BookmarkInterval = TimeSpan.FromSeconds(1) },
        }.AddResourceManager(), CancellationToken.None);
        _adminCertificate = X509Certificate2.CreateFromPem(Server.Credentials.AdminCertificatePem, Server.Credentials.AdminKeyPem);
        Admin = CreateClient(_adminCertificate);
    }

    public async Task DisposeAsync()
    {
        Admin?.Dispose();
        await Server.DisposeAsync();
        _adminCertificate?.Dispose();
        try
        {
            Directory.Delete(_dataDirectory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    /// <summary>A client trusting only the cluster CA, optionally with a client certificate or bearer token.</summary>
    public ApiClient CreateClient(X509Certificate2? clientCertificate = null, string? bearerToken = null)
    {
        var ca = Server.Credentials.CertificateAuthority;
        var handler = new SocketsHttpHandler
        {
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            MaxConnectionsPerServer = 64,
            SslOptions = new SslClientAuthenticationOptions
            {
                RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
                {
                    if (certificate is null || (errors & SslPolicyErrors.RemoteCertificateNameMismatch) != 0) return false;
                    using var chain = new X509Chain();
                    chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                    chain.ChainPolicy.CustomTrustStore.Add(ca);
                    chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                    return chain.Build(new X509Certificate2(certificate));
                },
            },
        };
        if (clientCertificate is not null)
        {
            handler.SslOptions.ClientCertificates = [clientCertificate];
            handler.SslOptions.LocalCertificateSelectionCallback = (_, _, _, _, _) => clientCertificate;
        }
        var http = new HttpClient(handler) { BaseAddress = Server.Url, Timeout = TimeSpan.FromSeconds(30) };
        if (bearerToken is not null)
        {
            http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", bearerToken);
        }
        return new ApiClient(http);
    }

    /// <summary>Creates a fresh namespace for one test and returns its name.</summary>
    public async Task<string> NewNamespaceAsync()
    {
        var name = $"t{Interlocked.Increment(ref s_namespaceCounter)}-{Guid.NewGuid().ToString("N")[..8]}";
        var response = await Admin.SendAsync(HttpMethod.Post, "/api/v1/namespaces", new JsonObject { ["metadata"] = new JsonObject { ["name"] = name } });
        Assert.Equal(HttpStatusCode.Created, response.Status);
        return name;
    }
}

/// <summary>One HTTP answer with its body parsed as JSON when it is JSON.</summary>
public sealed record ApiResponse(HttpStatusCode Status, string Text, JsonNode? Json, HttpResponseMessage Message)
{
    public JsonObject Object => Json as JsonObject ?? throw new Xunit.Sdk.XunitException($"expected a JSON object, got {(int)Status}: {Text}");

    public IReadOnlyList<string> Warnings => Message.Headers.TryGetValues("Warning", out var values) ? values.ToList() : [];

    public override string ToString() => $"{(int)Status} {Text}";
}

/// <summary>A thin JSON client for the Kubernetes API.</summary>
public sealed class ApiClient(HttpClient http) : IDisposable
{
    public HttpClient Http => http;

    public async Task<ApiResponse> SendAsync(HttpMethod method, string path, JsonNode? body = null, string contentType = "application/json", Action<HttpRequestMessage>? configure = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = new StringContent(body.ToJsonString(), Encoding.UTF8);
            request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue(contentType);
        }
        configure?.Invoke(request);
        var response = await http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        JsonNode? json = null;
        if (text.Length > 0 && (text[0] == '{' || text[0] == '['))
        {
            try
            {
                json = JsonNode.Parse(text);
            }
            catch (System.Text.Json.JsonException)
            {
            }
        }
        return new ApiResponse(response.StatusCode, text, json, response);
    }

    public Task<ApiResponse> GetAsync(string path, Action<HttpRequestMessage>? configure = null) => SendAsync(HttpMethod.Get, path, configure: configure);

    public Task<ApiResponse> PostAsync(string path, JsonNode body) => SendAsync(HttpMethod.Post, path, body);

    public Task<ApiResponse> PutAsync(string path, JsonNode body) => SendAsync(HttpMethod.Put, path, body);

    public Task<ApiResponse> DeleteAsync(string path) => SendAsync(HttpMethod.Delete, path);

    public Task<ApiResponse> MergePatchAsync(string path, JsonNode patch) => SendAsync(HttpMethod.Patch, path, patch, "application/merge-patch+json");

    public Task<ApiResponse> JsonPatchAsync(string path, JsonNode patch) => SendAsync(HttpMethod.Patch, path, patch, "application/json-patch+json");

    public Task<ApiResponse> StrategicPatchAsync(string path, JsonNode patch) => SendAsync(HttpMethod.Patch, path, patch, "application/strategic-merge-patch+json");

    /// <summary>Opens a watch (the query must include <c>watch=true</c>) and returns once the headers arrived.</summary>
    public async Task<WatchStream> WatchAsync(string pathAndQuery)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, pathAndQuery);
        var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        return new WatchStream(request, response);
    }

    public void Dispose() => http.Dispose();
}

/// <summary>The events of one watch, read line by line in the background.</summary>
public sealed class WatchStream : IAsyncDisposable
{
    private readonly HttpRequestMessage _request;
    private readonly Channel<JsonObject> _events = Channel.CreateUnbounded<JsonObject>();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _reader;

    public WatchStream(HttpRequestMessage request, HttpResponseMessage response)
    {
        _request = request;
        Response = response;
        _reader = Task.Run(ReadAsync);
    }

    public HttpResponseMessage Response { get; }

    /// <summary>Set once the server ended the stream.</summary>
    public bool Ended { get; private set; }

    private async Task ReadAsync()
    {
        try
        {
            using var stream = await Response.Content.ReadAsStreamAsync(_stop.Token);
            using var reader = new StreamReader(stream, Encoding.UTF8);
            while (await reader.ReadLineAsync(_stop.Token) is { } line)
            {
                if (line.Length == 0) continue;
                _events.Writer.TryWrite((JsonObject)JsonNode.Parse(line)!);
            }
            Ended = true;
            _events.Writer.TryComplete();
        }
        catch (Exception e)
        {
            _events.Writer.TryComplete(_stop.IsCancellationRequested ? null : e);
        }
    }

    /// <summary>The next event, or null when the stream ended; fails after <paramref name="timeout"/>.</summary>
    public async Task<JsonObject?> NextAsync(TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(10));
        try
        {
            if (!await _events.Reader.WaitToReadAsync(cts.Token)) return null;
            return _events.Reader.TryRead(out var e) ? e : null;
        }
        catch (OperationCanceledException) when (cts.IsCancellationRequested)
        {
            throw new Xunit.Sdk.XunitException($"no watch event within {timeout ?? TimeSpan.FromSeconds(10)}");
        }
    }

    /// <summary>The next event that is not a BOOKMARK.</summary>
    public async Task<JsonObject> NextChangeAsync(TimeSpan? timeout = null)
    {
        while (true)
        {
            var e = await NextAsync(timeout) ?? throw new Xunit.Sdk.XunitException("the watch ended");
            if (e["type"]!.GetValue<string>() != "BOOKMARK") return e;
        }
    }

    /// <summary>Whether an event arrives within <paramref name="window"/> (BOOKMARKs ignored).</summary>
    public async Task<JsonObject?> TryNextChangeAsync(TimeSpan window)
    {
        try
        {
            return await NextChangeAsync(window);
        }
        catch (Xunit.Sdk.XunitException)
        {
            return null;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        Response.Dispose();
        try
        {
            await _reader;
        }
        catch (Exception)
        {
        }
        _request.Dispose();
        _stop.Dispose();
    }
}

/// <summary>Small accessors for JSON test assertions.</summary>
public static class Json
{
    public static string? Str(this JsonNode? node, string dottedPath) => At(node, dottedPath)?.ToString();

    public static JsonNode? At(this JsonNode? node, string dottedPath)
    {
        foreach (var part in dottedPath.Split('.'))
        {
            if (node is not JsonObject obj) return null;
            node = obj[part];
        }
        return node;
    }

    public static long Long(this JsonNode? node, string dottedPath) => At(node, dottedPath) is JsonValue v ? long.Parse(v.ToString(), System.Globalization.CultureInfo.InvariantCulture) : throw new Xunit.Sdk.XunitException($"no number at {dottedPath} in {node?.ToJsonString()}");

    public static JsonObject Obj(string json) => (JsonObject)JsonNode.Parse(json)!;
}
