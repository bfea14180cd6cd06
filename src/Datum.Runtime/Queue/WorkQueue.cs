namespace Datum.Runtime.Queue;

/// <summary>Which line an item waits in. <see cref="High"/> is always served first.</summary>
public enum QueuePriority
{
    /// <summary>Periodic resyncs: served when nothing else waits.</summary>
    Low = 0,
    /// <summary>Changes (new and updated objects) and retries.</summary>
    High = 1,
}

/// <summary>
/// A de-duplicating work queue with delayed and rate-limited adds, in the shape of client-go's workqueue:
/// <list type="bullet">
/// <item>An item waits at most once: adding it again while it waits does nothing (except raise its priority).</item>
/// <item>An item being processed is never handed out twice: re-adds while it is processed are deferred until
/// <see cref="Done"/>, so one hot key cannot occupy several workers or starve others.</item>
/// <item>Items added at <see cref="QueuePriority.High"/> go before <see cref="QueuePriority.Low"/> (resync) ones.</item>
/// </list>
/// Thread-safe. Time comes from the <see cref="TimeProvider"/>, so tests can drive it.
/// </summary>
public sealed class WorkQueue<T> : IDisposable where T : notnull
{
    private readonly Lock _lock = new();
    private readonly TimeProvider _time;
    private readonly IRateLimiter<T> _limiter;
    private readonly Queue<(T Item, long Seq)>[] _ready = [new(), new()];
    private readonly Dictionary<T, (QueuePriority Priority, long Seq)> _queued = [];
    private readonly Dictionary<T, QueuePriority> _processing = [];
    private readonly Dictionary<T, QueuePriority> _deferred = [];
    private readonly PriorityQueue<(T Item, QueuePriority Priority), long> _delayed = new();
    // Per delayed item, the one entry of _delayed that counts (the earliest asked for); other entries are skipped.
    private readonly Dictionary<T, (long Due, QueuePriority Priority)> _delayedDue = [];
    private readonly LinkedList<TaskCompletionSource<(bool, T)>> _waiters = new();
    private readonly ITimer _timer;
    private long _seq;
    private long _timerDue = long.MaxValue;
    private bool _shutDown;

    /// <summary>A queue with <paramref name="limiter"/> (default: <see cref="RateLimiters.Default{T}"/>) on <paramref name="time"/>.</summary>
    public WorkQueue(IRateLimiter<T>? limiter = null, TimeProvider? time = null)
    {
        _time = time ?? TimeProvider.System;
        _limiter = limiter ?? RateLimiters.Default<T>(_time);
        _timer = _time.CreateTimer(_ => PromoteDue(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    /// <summary>Items waiting to be handed out (not delayed, not being processed).</summary>
    public int Count
    {
        get
        {
            lock (_lock) return _queued.Count;
        }
    }

    /// <summary>Items handed out and not yet <see cref="Done"/>.</summary>
    public int Processing
    {
        get
        {
            lock (_lock) return _processing.Count;
        }
    }

    /// <summary>Items waiting for their delay to pass.</summary>
    public int Delayed
    {
        get
        {
            lock (_lock) return _delayedDue.Count;
        }
    }

    /// <summary>Whether <see cref="ShutDown"/> was called.</summary>
    public bool IsShutDown
    {
        get
        {
            lock (_lock) return _shutDown;
        }
    }

    /// <summary>Adds <paramref name="item"/> now (de-duplicated; deferred while it is processed).</summary>
    public void Add(T item, QueuePriority priority = QueuePriority.High)
    {
        lock (_lock) AddLocked(item, priority);
    }

    /// <summary>Adds <paramref name="item"/> once <paramref name="delay"/> has passed.</summary>
    public void AddAfter(T item, TimeSpan delay, QueuePriority priority = QueuePriority.High)
    {
        lock (_lock)
        {
            if (_shutDown) return;
            if (delay <= TimeSpan.Zero)
            {
                AddLocked(item, priority);
                return;
            }
            var due = _time.GetTimestamp() + (long)(delay.TotalSeconds * _time.TimestampFrequency);
            // One wait per item, the earliest asked for (as client-go's delaying queue): a controller that requeues
            // itself on every event while it waits for something comes back once, not once per event.
            if (_delayedDue.TryGetValue(item, out var waiting) && waiting.Due <= due)
            {
                if (priority > waiting.Priority) _delayedDue[item] = (waiting.Due, priority);
                return;
            }
            _delayedDue[item] = (due, waiting.Priority > priority ? waiting.Priority : priority);
            _delayed.Enqueue((item, priority), due);
            ArmTimerLocked();
        }
    }

    /// <summary>Adds <paramref name="item"/> after the rate limiter's delay (a retry: counts towards its backoff).</summary>
    public void AddRateLimited(T item) => AddAfter(item, _limiter.When(item));

    /// <summary>Resets <paramref name="item"/>'s backoff (call after it succeeded).</summary>
    public void Forget(T item) => _limiter.Forget(item);

    /// <summary>How often <paramref name="item"/> was retried since it was last forgotten.</summary>
    public int NumRequeues(T item) => _limiter.NumRequeues(item);

    /// <summary>
    /// Waits for an item and marks it as being processed; the caller must call <see cref="Done"/>. Returns
    /// <c>Ok = false</c> once the queue is shut down (items still waiting are abandoned; items being processed
    /// finish normally).
    /// </summary>
    public Task<(bool Ok, T Item)> GetAsync(CancellationToken ct = default)
    {
        TaskCompletionSource<(bool, T)> waiter;
        lock (_lock)
        {
            if (_shutDown) return Task.FromResult<(bool, T)>((false, default!));
            if (TryTakeLocked(out var item)) return Task.FromResult((true, item));
            waiter = new TaskCompletionSource<(bool, T)>(TaskCreationOptions.RunContinuationsAsynchronously);
            var node = _waiters.AddLast(waiter);
            if (ct.CanBeCanceled)
            {
                ct.Register(() =>
                {
                    lock (_lock)
                    {
                        if (node.List is null) return;
                        _waiters.Remove(node);
                    }
                    waiter.TrySetCanceled(ct);
                });
            }
        }
        return waiter.Task;
    }

    /// <summary>Marks <paramref name="item"/> as processed; a re-add that came meanwhile is queued now.</summary>
    public void Done(T item)
    {
        lock (_lock)
        {
            _processing.Remove(item);
            if (_deferred.Remove(item, out var priority)) AddLocked(item, priority);
        }
    }

    /// <summary>Stops handing out items: waiting and future <see cref="GetAsync"/> calls return null.</summary>
    public void ShutDown()
    {
        List<TaskCompletionSource<(bool, T)>> waiters;
        lock (_lock)
        {
            _shutDown = true;
            waiters = [.. _waiters];
            _waiters.Clear();
            _timer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        }
        foreach (var waiter in waiters) waiter.TrySetResult((false, default!));
    }

    /// <inheritdoc />
    public void Dispose()
    {
        ShutDown();
        _timer.Dispose();
    }

    private void AddLocked(T item, QueuePriority priority)
    {
        if (_shutDown) return;
        if (_processing.ContainsKey(item))
        {
            _deferred[item] = _deferred.TryGetValue(item, out var p) && p > priority ? p : priority;
            return;
        }
        if (_queued.TryGetValue(item, out var queued))
        {
            if (queued.Priority >= priority) return;
            // Raised: the old entry in the lower line becomes stale and is skipped when reached.
        }
        if (_waiters.First is { } first)
        {
            _queued.Remove(item);
            _waiters.RemoveFirst();
            _processing[item] = priority;
            first.Value.TrySetResult((true, item));
            return;
        }
        var seq = ++_seq;
        _queued[item] = (priority, seq);
        _ready[(int)priority].Enqueue((item, seq));
    }

    private bool TryTakeLocked(out T item)
    {
        for (var line = _ready.Length - 1; line >= 0; line--)
        {
            var queue = _ready[line];
            while (queue.TryDequeue(out var entry))
            {
                if (!_queued.TryGetValue(entry.Item, out var current) || current.Seq != entry.Seq) continue;
                _queued.Remove(entry.Item);
                _processing[entry.Item] = current.Priority;
                item = entry.Item;
                return true;
            }
        }
        item = default!;
        return false;
    }

    private void PromoteDue()
    {
        lock (_lock)
        {
            _timerDue = long.MaxValue;
            var now = _time.GetTimestamp();
            while (_delayed.TryPeek(out var entry, out var due) && due <= now)
            {
                _delayed.Dequeue();
                if (!_delayedDue.TryGetValue(entry.Item, out var current) || current.Due != due) continue; // superseded by an earlier wait
                _delayedDue.Remove(entry.Item);
                AddLocked(entry.Item, current.Priority);
            }
            ArmTimerLocked();
        }
    }

    private void ArmTimerLocked()
    {
        if (_shutDown || !_delayed.TryPeek(out _, out var due) || due >= _timerDue) return;
        _timerDue = due;
        var wait = TimeSpan.FromSeconds(Math.Max(0, due - _time.GetTimestamp()) / (double)_time.TimestampFrequency);
        _timer.Change(wait, Timeout.InfiniteTimeSpan);
    }
}
