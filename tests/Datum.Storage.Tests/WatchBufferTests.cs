using System.Threading.Channels;

namespace Datum.Storage.Tests;

public sealed class WatchBufferTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    private static StorageEvent Event(long revision) => new(StorageEventType.Created, $"/k/{revision}", [], null, revision);

    [Fact]
    public async Task A_waiting_reader_is_woken_by_a_write_and_reads_in_order()
    {
        var buffer = new WatchBuffer(4);
        var waiting = buffer.WaitToReadAsync().AsTask();
        Assert.False(waiting.IsCompleted);
        Assert.True(buffer.TryWrite(Event(1)));
        Assert.True(buffer.TryWrite(Event(2)));
        Assert.True(await waiting.WaitAsync(Patience));
        Assert.True(buffer.TryRead(out var first));
        Assert.True(buffer.TryRead(out var second));
        Assert.Equal([1L, 2L], [first.Revision, second.Revision]);
        Assert.False(buffer.TryRead(out _));
    }

    [Fact]
    public async Task A_full_buffer_refuses_writes_and_a_waiting_writer_resumes_when_a_read_makes_room()
    {
        var buffer = new WatchBuffer(2);
        Assert.True(buffer.TryWrite(Event(1)));
        Assert.True(buffer.TryWrite(Event(2)));
        Assert.False(buffer.TryWrite(Event(3)));
        var writing = buffer.WriteAsync(Event(3)).AsTask();
        Assert.False(writing.IsCompleted);
        Assert.True(buffer.TryRead(out _));
        await writing.WaitAsync(Patience);
        Assert.True(buffer.TryRead(out var next));
        Assert.True(buffer.TryRead(out var last));
        Assert.Equal([2L, 3L], [next.Revision, last.Revision]);
    }

    [Fact]
    public async Task Completion_lets_the_reader_drain_then_ends_normally_or_with_the_error()
    {
        var normal = new WatchBuffer(4);
        normal.TryWrite(Event(1));
        Assert.True(normal.TryComplete());
        Assert.False(normal.TryWrite(Event(2)));
        Assert.Equal([1L], await ReadAllAsync(normal));

        var failed = new WatchBuffer(4);
        var waiting = failed.WaitToReadAsync().AsTask();
        failed.TryComplete(new WatchOverflowException());
        await Assert.ThrowsAsync<WatchOverflowException>(() => waiting.WaitAsync(Patience));
        await Assert.ThrowsAsync<WatchOverflowException>(async () => await failed.WaitToReadAsync());

        var blocked = new WatchBuffer(1);
        blocked.TryWrite(Event(1));
        var writing = blocked.WriteAsync(Event(2)).AsTask();
        blocked.TryComplete();
        await Assert.ThrowsAsync<ChannelClosedException>(() => writing.WaitAsync(Patience));
    }

    [Fact]
    public async Task A_cancelled_wait_ends_alone_and_the_next_wait_still_sees_writes()
    {
        var buffer = new WatchBuffer(4);
        using (var cts = new CancellationTokenSource())
        {
            var waiting = buffer.WaitToReadAsync(cts.Token).AsTask();
            await cts.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting.WaitAsync(Patience));
        }
        using var later = new CancellationTokenSource();
        var again = buffer.WaitToReadAsync(later.Token).AsTask();
        Assert.False(again.IsCompleted);
        buffer.TryWrite(Event(7));
        Assert.True(await again.WaitAsync(Patience));
        // Cancelling a token whose wait has already been woken changes nothing.
        await later.CancelAsync();
        Assert.True(buffer.TryRead(out var item));
        Assert.Equal(7, item.Revision);
    }

    private static async Task<List<long>> ReadAllAsync(WatchBuffer buffer)
    {
        var revisions = new List<long>();
        using var cts = new CancellationTokenSource(Patience);
        await foreach (var item in buffer.ReadAllAsync(cts.Token)) revisions.Add(item.Revision);
        return revisions;
    }
}
