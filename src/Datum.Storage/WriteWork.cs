namespace Datum.Storage;

/// <summary>One create, update or delete waiting for the writer.</summary>
internal sealed class WriteWork : WriterWork
{
    private const int Pending = 0;
    private const int Claimed = 1;
    private const int Canceled = 2;

    private readonly TaskCompletionSource<StoredObject> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private CancellationTokenRegistration _cancellation;
    private int _state;

    public WriteWork(WriteKind kind, string key, long expectedModRevision, RevisionEncoder encode)
    {
        Kind = kind;
        Key = key;
        ExpectedModRevision = expectedModRevision;
        Encode = encode;
    }

    public WriteKind Kind { get; }

    public string Key { get; }

    public long ExpectedModRevision { get; }

    public RevisionEncoder Encode { get; }

    public Task<StoredObject> Task => _completion.Task;

    /// <summary>Lets the caller give up while the write is still queued; once the writer claims it, it runs to the end.</summary>
    public void RegisterCancellation(CancellationToken cancellationToken)
    {
        if (cancellationToken.CanBeCanceled)
        {
            _cancellation = cancellationToken.Register(static (state, token) =>
            {
                var work = (WriteWork)state!;
                if (Interlocked.CompareExchange(ref work._state, Canceled, Pending) == Pending)
                {
                    work._completion.TrySetCanceled(token);
                }
            }, this);
        }
    }

    /// <summary>Called by the writer; false when the caller already gave up.</summary>
    public bool TryClaim()
    {
        var claimed = Interlocked.CompareExchange(ref _state, Claimed, Pending) == Pending;
        _cancellation.Dispose();
        return claimed;
    }

    public void Complete(StoredObject result) => _completion.TrySetResult(result);

    public void Fail(Exception exception) => _completion.TrySetException(exception);
}
