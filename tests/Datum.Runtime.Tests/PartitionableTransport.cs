using System.Runtime.CompilerServices;
using Datum.Runtime.Client;

namespace Datum.Runtime.Tests;

/// <summary>A transport that can be cut off, as if the process lost the network (or hung): every call fails.</summary>
public sealed class PartitionableTransport(IApiTransport inner) : IApiTransport
{
    public volatile bool Partitioned;

    public Task<ApiResponse> SendAsync(ApiRequest request, CancellationToken ct) =>
        Partitioned ? Task.FromException<ApiResponse>(new HttpRequestException("partitioned")) : inner.SendAsync(request, ct);

    public async IAsyncEnumerable<RawWatchEvent> WatchAsync(ApiRequest request, [EnumeratorCancellation] CancellationToken ct)
    {
        if (Partitioned) throw new HttpRequestException("partitioned");
        await foreach (var e in inner.WatchAsync(request, ct))
        {
            if (Partitioned) throw new HttpRequestException("partitioned");
            yield return e;
        }
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
