using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Datum.Runtime.Hosting;

/// <summary>
/// A minimal plain-HTTP endpoint for <c>/metrics</c>, <c>/healthz</c> and <c>/readyz</c> (one request per
/// connection), so the runtime needs no web framework.
/// </summary>
internal sealed class MetricsServer : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly Func<string, (int Status, string ContentType, string Body)> _serve;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    public MetricsServer(IPEndPoint endpoint, Func<string, (int, string, string)> serve)
    {
        _serve = serve;
        _listener = new TcpListener(endpoint);
        _listener.Start();
        var bound = (IPEndPoint)_listener.LocalEndpoint;
        Url = new Uri($"http://{(bound.Address.Equals(IPAddress.Any) ? IPAddress.Loopback : bound.Address)}:{bound.Port}/");
        _loop = AcceptLoopAsync();
    }

    public Uri Url { get; }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }
            _ = Task.Run(() => ServeAsync(client));
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using (client)
        {
            try
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
                timeout.CancelAfter(TimeSpan.FromSeconds(10));
                var stream = client.GetStream();
                using var reader = new StreamReader(stream, Encoding.ASCII, leaveOpen: true);
                var requestLine = await reader.ReadLineAsync(timeout.Token).ConfigureAwait(false) ?? "";
                while (!string.IsNullOrEmpty(await reader.ReadLineAsync(timeout.Token).ConfigureAwait(false)))
                {
                }
                var parts = requestLine.Split(' ');
                var path = parts.Length > 1 ? parts[1].Split('?')[0] : "/";
                var (status, contentType, body) = parts[0] == "GET" ? _serve(path) : (405, "text/plain", "method not allowed\n");
                var bytes = Encoding.UTF8.GetBytes(body);
                var head = $"HTTP/1.1 {status} {(status == 200 ? "OK" : "Error")}\r\nContent-Type: {contentType}\r\nContent-Length: {bytes.Length}\r\nConnection: close\r\n\r\n";
                await stream.WriteAsync(Encoding.ASCII.GetBytes(head), timeout.Token).ConfigureAwait(false);
                await stream.WriteAsync(bytes, timeout.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is IOException or OperationCanceledException or SocketException)
            {
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        _listener.Stop();
        await _loop.ConfigureAwait(false);
        _stop.Dispose();
    }
}
