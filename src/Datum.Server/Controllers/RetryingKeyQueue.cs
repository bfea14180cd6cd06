using System.Threading.Channels;
using Datum.Machinery.Api;
using Datum.Storage;
using Microsoft.Extensions.Logging;

namespace Datum.Server.Controllers;

/// <summary>
/// The work queue the server's built-in controllers share: keys in, one worker, and a retry after a fixed delay
/// when a pass says work remains (returns false) or fails with an API or storage error. Level-triggered: a key
/// added again while waiting is simply processed again.
/// </summary>
internal sealed partial class RetryingKeyQueue(string controller, TimeSpan retryDelay, ILogger logger)
{
    private readonly Channel<string> _keys = Channel.CreateUnbounded<string>();

    /// <summary>Queues <paramref name="key"/> for a pass.</summary>
    public void Add(string key) => _keys.Writer.TryWrite(key);

    /// <summary>Runs passes until <paramref name="ct"/> is cancelled.</summary>
    public async Task RunAsync(Func<string, CancellationToken, Task<bool>> pass, CancellationToken ct)
    {
        try
        {
            await foreach (var key in _keys.Reader.ReadAllAsync(ct).ConfigureAwait(false))
            {
                bool done;
                try
                {
                    done = await pass(key, ct).ConfigureAwait(false);
                }
                catch (Exception e) when (e is ApiException or StorageException)
                {
                    LogRetry(logger, controller, key, e.Message);
                    done = false;
                }
                if (!done) _ = RetryLaterAsync(key, ct);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
    }

    private async Task RetryLaterAsync(string key, CancellationToken ct)
    {
        try
        {
            await Task.Delay(retryDelay, ct).ConfigureAwait(false);
            Add(key);
        }
        catch (OperationCanceledException)
        {
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "{Controller}: {Key} not done yet: {Reason}")]
    private static partial void LogRetry(ILogger logger, string controller, string key, string reason);
}
