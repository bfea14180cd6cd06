using Datum.Compute.Controllers;

namespace Datum.Compute.Tests;

/// <summary>Coalescing of aggregate status writes: conditions at once, counters at most once per interval.</summary>
public sealed class StatusThrottleTests
{
    private sealed class ManualClock : TimeProvider
    {
        public long Ticks { get; set; } = 1_000;

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;

        public override long GetTimestamp() => Ticks;
    }

    [Fact]
    public void Counter_changes_wait_for_the_interval_urgent_ones_never_wait_and_forgetting_resets()
    {
        var clock = new ManualClock();
        var throttle = new StatusThrottle(TimeSpan.FromSeconds(1), clock);
        Assert.Null(throttle.Wait("c", "ns", "d", urgent: false)); // never written: write now
        throttle.Written("c", "ns", "d");

        clock.Ticks += TimeSpan.FromMilliseconds(300).Ticks;
        Assert.Equal(TimeSpan.FromMilliseconds(700), throttle.Wait("c", "ns", "d", urgent: false));
        Assert.Null(throttle.Wait("c", "ns", "d", urgent: true));
        Assert.Null(throttle.Wait("c", "ns", "other", urgent: false)); // per object

        clock.Ticks += TimeSpan.FromMilliseconds(700).Ticks;
        Assert.Null(throttle.Wait("c", "ns", "d", urgent: false));

        throttle.Written("c", "ns", "d");
        throttle.Forget("c", "ns", "d");
        Assert.Null(throttle.Wait("c", "ns", "d", urgent: false));
    }
}
