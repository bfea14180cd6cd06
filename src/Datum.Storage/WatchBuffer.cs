using System.Threading.Channels;

namespace Datum.Storage;

/// <summary>
/// The events queued for one watch: bounded, written by the hub (or the watch's replay) and read by one consumer at a
/// time. It does what a bounded channel would, in a third of the memory: a server keeps one per informer of every
/// engaged project plane, idle most of the time, and a channel carries several preallocated waiter objects each.
/// </summary>
internal sealed class WatchBuffer(int capacity) : ChannelReader<StorageEvent>
{
    private readonly Lock _lock = new();
    private readonly Queue<StorageEvent> _items = new();
    private ReadWaiter? _reader;
    private TaskCompletionSource<bool>? _writer;
    private bool _completed;
    private Exception? _error;

    /// <summary>Queues <paramref name="item"/>; false when the buffer is full or completed.</summary>
    public bool TryWrite(StorageEvent item)
    {
        ReadWaiter? reader;
        lock (_lock)
        {
            if (_completed || _items.Count >= capacity)
            {
                return false;
            }
            _items.Enqueue(item);
            reader = TakeReaderLocked();
        }
        reader?.Wake(true);
        return true;
    }

    /// <summary>Completes when there is room (true) or the buffer is completed (false).</summary>
    public ValueTask<bool> WaitToWriteAsync()
    {
        lock (_lock)
        {
            if (_completed)
            {
                return new(false);
            }
            if (_items.Count < capacity)
            {
                return new(true);
            }
            _writer ??= new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
            return new(_writer.Task);
        }
    }

    /// <summary>Queues <paramref name="item"/>, waiting for room; throws <see cref="ChannelClosedException"/> once completed.</summary>
    public async ValueTask WriteAsync(StorageEvent item)
    {
        while (!TryWrite(item))
        {
            if (!await WaitToWriteAsync().ConfigureAwait(false))
            {
                throw new ChannelClosedException(_error);
            }
        }
    }

    /// <summary>Ends the buffer: the reader drains what is queued, then sees the end (or <paramref name="error"/>).</summary>
    public bool TryComplete(Exception? error = null)
    {
        ReadWaiter? reader;
        TaskCompletionSource<bool>? writer;
        bool hasItems;
        lock (_lock)
        {
            if (_completed)
            {
                return false;
            }
            _completed = true;
            _error = error;
            hasItems = _items.Count > 0;
            reader = TakeReaderLocked();
            writer = _writer;
            _writer = null;
        }
        writer?.TrySetResult(false);
        if (reader is not null)
        {
            if (hasItems || error is null) reader.Wake(hasItems);
            else reader.Fail(error);
        }
        return true;
    }

    /// <inheritdoc />
    public override bool TryRead(out StorageEvent item)
    {
        TaskCompletionSource<bool>? writer = null;
        lock (_lock)
        {
            if (!_items.TryDequeue(out item!))
            {
                return false;
            }
            if (_writer is not null)
            {
                writer = _writer;
                _writer = null;
            }
        }
        writer?.TrySetResult(true);
        return true;
    }

    /// <inheritdoc />
    public override ValueTask<bool> WaitToReadAsync(CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            if (_items.Count > 0)
            {
                return new(true);
            }
            if (_completed)
            {
                return _error is null ? new(false) : ValueTask.FromException<bool>(_error);
            }
            if (cancellationToken.IsCancellationRequested)
            {
                return ValueTask.FromCanceled<bool>(cancellationToken);
            }
            // One consumer at a time, as every watch has.
            var waiter = _reader ??= new ReadWaiter(this);
            waiter.Watch(cancellationToken);
            return new(waiter.Task);
        }
    }

    private ReadWaiter? TakeReaderLocked()
    {
        var reader = _reader;
        _reader = null;
        return reader;
    }

    private void Cancelled(ReadWaiter waiter, CancellationToken token)
    {
        lock (_lock)
        {
            if (!ReferenceEquals(_reader, waiter))
            {
                // Already woken by a write or the end.
                return;
            }
            _reader = null;
        }
        waiter.TrySetCanceled(token);
    }

    /// <summary>The pending read, woken by a write, the end or its token.</summary>
    private sealed class ReadWaiter(WatchBuffer owner) : TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously)
    {
        private CancellationTokenRegistration _registration;

        public void Watch(CancellationToken token)
        {
            if (token.CanBeCanceled && _registration == default)
            {
                _registration = token.UnsafeRegister(static (state, t) => ((ReadWaiter)state!).Cancel(t), this);
            }
        }

        public void Wake(bool result)
        {
            _registration.Unregister();
            TrySetResult(result);
        }

        public void Fail(Exception error)
        {
            _registration.Unregister();
            TrySetException(error);
        }

        private void Cancel(CancellationToken token) => owner.Cancelled(this, token);
    }
}
