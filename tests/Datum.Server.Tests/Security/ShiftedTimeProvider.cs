namespace Datum.Server.Tests.Security;

/// <summary>The system clock moved by a fixed offset, to create or check credentials "at another time".</summary>
internal sealed class ShiftedTimeProvider(TimeSpan offset) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => base.GetUtcNow() + offset;
}
