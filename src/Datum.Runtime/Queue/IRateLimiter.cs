namespace Datum.Runtime.Queue;

/// <summary>Decides how long an item waits before it is retried.</summary>
public interface IRateLimiter<in T>
{
    /// <summary>The delay for one more retry of <paramref name="item"/> (counts the retry).</summary>
    TimeSpan When(T item);

    /// <summary>Forgets <paramref name="item"/>'s retries (after a success).</summary>
    void Forget(T item);

    /// <summary>How often <paramref name="item"/> was retried since it was last forgotten.</summary>
    int NumRequeues(T item);
}

/// <summary>Per item: <c>baseDelay · 2^(failures-1)</c>, capped at <c>maxDelay</c> (5 ms doubling to 1,000 s by default).</summary>
public sealed class ItemExponentialRateLimiter<T>(TimeSpan baseDelay, TimeSpan maxDelay) : IRateLimiter<T> where T : notnull
{
    private readonly Dictionary<T, int> _failures = [];

    /// <summary>5 ms doubling to 1,000 s.</summary>
    public ItemExponentialRateLimiter() : this(TimeSpan.FromMilliseconds(5), TimeSpan.FromSeconds(1000))
    {
    }

    /// <inheritdoc />
    public TimeSpan When(T item)
    {
        int failures;
        lock (_failures)
        {
            failures = _failures.TryGetValue(item, out var f) ? f : 0;
            _failures[item] = failures + 1;
        }
        var delay = baseDelay.TotalMilliseconds * Math.Pow(2, Math.Min(failures, 62));
        return delay >= maxDelay.TotalMilliseconds ? maxDelay : TimeSpan.FromMilliseconds(delay);
    }

    /// <inheritdoc />
    public void Forget(T item)
    {
        lock (_failures) _failures.Remove(item);
    }

    /// <inheritdoc />
    public int NumRequeues(T item)
    {
        lock (_failures) return _failures.TryGetValue(item, out var f) ? f : 0;
    }
}

/// <summary>
/// One bucket for all items: <c>qps</c> tokens a second, at most <c>burst</c> saved up (10 qps, burst 100 by default).
/// A retry beyond the budget is not refused but delayed until its token would be available.
/// </summary>
public sealed class TokenBucketRateLimiter<T>(double qps, int burst, TimeProvider time) : IRateLimiter<T>
{
    private readonly Lock _lock = new();
    private double _tokens = burst;
    private long _last = time.GetTimestamp();

    /// <summary>10 qps, burst 100, on the system clock.</summary>
    public TokenBucketRateLimiter() : this(10, 100, TimeProvider.System)
    {
    }

    /// <inheritdoc />
    public TimeSpan When(T item)
    {
        lock (_lock)
        {
            var now = time.GetTimestamp();
            _tokens = Math.Min(burst, _tokens + time.GetElapsedTime(_last, now).TotalSeconds * qps);
            _last = now;
            _tokens -= 1;
            return _tokens >= 0 ? TimeSpan.Zero : TimeSpan.FromSeconds(-_tokens / qps);
        }
    }

    /// <inheritdoc />
    public void Forget(T item)
    {
    }

    /// <inheritdoc />
    public int NumRequeues(T item) => 0;
}

/// <summary>The longest delay of several limiters (all of them count the retry).</summary>
public sealed class MaxOfRateLimiter<T>(params IRateLimiter<T>[] limiters) : IRateLimiter<T>
{

    /// <inheritdoc />
    public TimeSpan When(T item)
    {
        var max = TimeSpan.Zero;
        foreach (var limiter in limiters)
        {
            var delay = limiter.When(item);
            if (delay > max) max = delay;
        }
        return max;
    }

    /// <inheritdoc />
    public void Forget(T item)
    {
        foreach (var limiter in limiters) limiter.Forget(item);
    }

    /// <inheritdoc />
    public int NumRequeues(T item) => limiters.Max(l => l.NumRequeues(item));
}

/// <summary>Stock limiters.</summary>
public static class RateLimiters
{
    /// <summary>Per-item exponential backoff (5 ms doubling to 1,000 s) and an overall token bucket (10 qps, burst 100 unless given).</summary>
    public static IRateLimiter<T> Default<T>(TimeProvider time, double qps = 10, int burst = 100) where T : notnull =>
        new MaxOfRateLimiter<T>(new ItemExponentialRateLimiter<T>(), new TokenBucketRateLimiter<T>(qps, burst, time));
}
