using System.Collections.Concurrent;
using Datum.Runtime.Client;

namespace Datum.Compute.Tests;

/// <summary>
/// Counts the requests that pass through to the server, per kind and verb (status writes apart), so the benchmark
/// can say how many reads and writes an instance costs.
/// </summary>
public sealed class CountingTransport(IApiTransport inner) : IApiTransport
{
    private readonly ConcurrentDictionary<string, long> _counts = new(StringComparer.Ordinal);

    /// <summary>Requests so far, keyed "Kind verb" (verb "UpdateStatus" for status writes).</summary>
    public IReadOnlyDictionary<string, long> Counts => _counts;

    /// <summary>Forgets the counts (before the measured phase).</summary>
    public void Reset() => _counts.Clear();

    public async Task<ApiResponse> SendAsync(ApiRequest request, CancellationToken ct)
    {
        var verb = request.Subresource is { } sub ? $"{request.Verb}/{sub}" : request.Verb.ToString();
        _counts.AddOrUpdate($"{request.Resource.Kind} {verb}", 1, (_, n) => n + 1);
        var response = await inner.SendAsync(request, ct).ConfigureAwait(false);
        // Conflicts are counted apart too: each is a write that was refused and will be retried after a read.
        if (response.StatusCode == 409) _counts.AddOrUpdate($"{request.Resource.Kind} {verb} conflict", 1, (_, n) => n + 1);
        return response;
    }

    public IAsyncEnumerable<RawWatchEvent> WatchAsync(ApiRequest request, CancellationToken ct) => inner.WatchAsync(request, ct);

    public ValueTask DisposeAsync() => inner.DisposeAsync();
}
