using Datum.Runtime.Queue;

namespace Datum.Runtime.Tests;

public sealed class WorkQueueTests
{
    private static readonly TimeSpan Ms = TimeSpan.FromMilliseconds(1);

    [Fact]
    public void Item_backoff_starts_at_5_ms_doubles_and_caps_at_1000_s()
    {
        var limiter = new ItemExponentialRateLimiter<string>();
        var delays = Enumerable.Range(0, 30).Select(_ => limiter.When("a")).ToList();
        Assert.Equal(TimeSpan.FromMilliseconds(5), delays[0]);
        Assert.Equal(TimeSpan.FromMilliseconds(10), delays[1]);
        Assert.Equal(TimeSpan.FromMilliseconds(20), delays[2]);
        Assert.Equal(TimeSpan.FromMilliseconds(5 * 1024), delays[10]);
        Assert.Equal(TimeSpan.FromSeconds(1000), delays[29]);
        Assert.Equal(30, limiter.NumRequeues("a"));
        Assert.Equal(TimeSpan.FromMilliseconds(5), limiter.When("b"));
        limiter.Forget("a");
        Assert.Equal(TimeSpan.FromMilliseconds(5), limiter.When("a"));
    }

    [Fact]
    public void Token_bucket_allows_the_burst_then_spaces_retries_at_the_rate()
    {
        var time = new ManualTimeProvider();
        var bucket = new TokenBucketRateLimiter<int>(qps: 10, burst: 100, time);
        for (var i = 0; i < 100; i++) Assert.Equal(TimeSpan.Zero, bucket.When(i));
        Assert.Equal(TimeSpan.FromMilliseconds(100), bucket.When(100));
        Assert.Equal(TimeSpan.FromMilliseconds(200), bucket.When(101));
        time.Advance(TimeSpan.FromSeconds(1));
        // One second refilled ten tokens, two of which were already promised.
        Assert.Equal(TimeSpan.Zero, bucket.When(102));
        time.Advance(TimeSpan.FromSeconds(100));
        for (var i = 0; i < 100; i++) Assert.Equal(TimeSpan.Zero, bucket.When(i));
        Assert.True(bucket.When(0) > TimeSpan.Zero);
    }

    [Fact]
    public async Task Rate_limited_adds_wait_for_the_larger_of_backoff_and_bucket()
    {
        var time = new ManualTimeProvider();
        using var queue = new WorkQueue<string>(RateLimiters.Default<string>(time, qps: 10, burst: 1), time);
        queue.AddRateLimited("a"); // backoff 5 ms, bucket has its one token
        queue.AddRateLimited("b"); // backoff 5 ms, bucket empty: 100 ms
        Assert.Equal(0, queue.Count);
        time.Advance(5 * Ms);
        Assert.Equal("a", (await queue.GetAsync()).Item);
        time.Advance(90 * Ms);
        Assert.Equal(0, queue.Count);
        time.Advance(5 * Ms);
        Assert.Equal("b", (await queue.GetAsync()).Item);
    }

    [Fact]
    public async Task Duplicates_collapse_and_an_item_in_processing_is_not_handed_out_twice()
    {
        using var queue = new WorkQueue<string>(time: new ManualTimeProvider());
        queue.Add("a");
        queue.Add("a");
        queue.Add("b");
        Assert.Equal(2, queue.Count);
        var first = (await queue.GetAsync()).Item;
        Assert.Equal("a", first);
        queue.Add("a"); // while processing: deferred
        Assert.Equal(1, queue.Count);
        Assert.Equal("b", (await queue.GetAsync()).Item);
        var pending = queue.GetAsync();
        Assert.False(pending.IsCompleted);
        queue.Done("a");
        Assert.Equal("a", (await pending.WaitAsync(TimeSpan.FromSeconds(30))).Item);
    }

    [Fact]
    public async Task A_hot_key_cannot_starve_others()
    {
        using var queue = new WorkQueue<string>(time: new ManualTimeProvider());
        queue.Add("hot");
        Assert.Equal("hot", (await queue.GetAsync()).Item);
        for (var i = 0; i < 1000; i++) queue.Add("hot");
        queue.Add("cold");
        Assert.Equal("cold", (await queue.GetAsync()).Item);
        queue.Done("hot");
        Assert.Equal("hot", (await queue.GetAsync()).Item);
        Assert.Equal(0, queue.Count);
    }

    [Fact]
    public async Task New_objects_go_before_resync()
    {
        using var queue = new WorkQueue<int>(time: new ManualTimeProvider());
        for (var i = 0; i < 100; i++) queue.Add(i, QueuePriority.Low);
        queue.Add(1000);
        queue.Add(50); // raised from the resync line
        Assert.Equal(1000, (await queue.GetAsync()).Item);
        Assert.Equal(50, (await queue.GetAsync()).Item);
        Assert.Equal(0, (await queue.GetAsync()).Item);
        Assert.Equal(98, queue.Count);
    }

    [Fact]
    public async Task Delayed_adds_arrive_in_due_order_and_shutdown_releases_waiters()
    {
        var time = new ManualTimeProvider();
        var queue = new WorkQueue<string>(time: time);
        queue.AddAfter("late", TimeSpan.FromSeconds(10));
        queue.AddAfter("early", TimeSpan.FromSeconds(1));
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal("early", (await queue.GetAsync()).Item);
        Assert.Equal(1, queue.Delayed);
        time.Advance(TimeSpan.FromSeconds(9));
        Assert.Equal("late", (await queue.GetAsync()).Item);
        var waiting = queue.GetAsync();
        queue.ShutDown();
        Assert.False((await waiting.WaitAsync(TimeSpan.FromSeconds(30))).Ok);
        Assert.False((await queue.GetAsync()).Ok);
        queue.Dispose();
    }

    [Fact]
    public async Task An_item_waits_once_for_the_earliest_delay_asked()
    {
        var time = new ManualTimeProvider();
        using var queue = new WorkQueue<string>(time: time);
        queue.AddAfter("a", TimeSpan.FromSeconds(5));
        queue.AddAfter("a", TimeSpan.FromSeconds(5));
        queue.AddAfter("a", TimeSpan.FromSeconds(2));
        queue.AddAfter("a", TimeSpan.FromSeconds(8));
        Assert.Equal(1, queue.Delayed);
        time.Advance(TimeSpan.FromSeconds(2));
        var first = await queue.GetAsync().WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal("a", first.Item);
        queue.Done("a");
        Assert.Equal(0, queue.Delayed);
        // The later waits were folded into the earliest: nothing comes back at 5 or 8 seconds.
        time.Advance(TimeSpan.FromSeconds(10));
        Assert.Equal(0, queue.Count);
        var next = queue.GetAsync();
        Assert.False(next.IsCompleted);
        // Asked again after it came back, it waits again.
        queue.AddAfter("a", TimeSpan.FromSeconds(1));
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal("a", (await next.WaitAsync(TimeSpan.FromSeconds(30))).Item);
    }
}
