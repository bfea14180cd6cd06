using Datum.Runtime.Reconcile;

namespace Datum.Runtime.Tests;

public sealed class GracePeriodsTests
{
    private sealed class ManualClock : TimeProvider
    {
        public long Ticks { get; set; }

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;

        public override long GetTimestamp() => Ticks;
    }

    [Fact]
    public void A_grace_period_starts_when_first_asked_counts_down_restarts_and_is_forgotten()
    {
        var clock = new ManualClock();
        var periods = new GracePeriods(clock);
        var grace = TimeSpan.FromSeconds(1);

        Assert.Equal(grace, periods.Remaining("p", "u1", grace));
        clock.Ticks += TimeSpan.FromMilliseconds(400).Ticks;
        Assert.Equal(TimeSpan.FromMilliseconds(600), periods.Remaining("p", "u1", grace));
        // Another plane's object with the same uid has its own period.
        Assert.Equal(grace, periods.Remaining("q", "u1", grace));

        clock.Ticks += TimeSpan.FromMilliseconds(700).Ticks;
        Assert.Equal(TimeSpan.Zero, periods.Remaining("p", "u1", grace));

        periods.Restart("p", "u1");
        Assert.Equal(grace, periods.Remaining("p", "u1", grace));

        periods.Forget("p", "u1");
        clock.Ticks += TimeSpan.FromSeconds(5).Ticks;
        Assert.Equal(grace, periods.Remaining("p", "u1", grace));
    }
}
