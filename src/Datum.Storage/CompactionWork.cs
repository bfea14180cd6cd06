namespace Datum.Storage;

/// <summary>A compaction, queued behind the writes so it never races with an append.</summary>
internal sealed class CompactionWork(long revision) : WriterWork
{
    public long Revision { get; } = revision;

    public TaskCompletionSource Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
}
