using Datum.Server.Hosting;
using Microsoft.Extensions.Logging.Abstractions;

namespace Datum.Server.Tests.Hosting;

// Alone: the trimmer watches the whole process's allocations, which other tests running beside it would move.
[CollectionDefinition(nameof(IdleMemoryTrimmerTests), DisableParallelization = true)]
public sealed class IdleMemoryTrimmerCollection;

[Collection(nameof(IdleMemoryTrimmerTests))]
public sealed class IdleMemoryTrimmerTests
{
    [Fact]
    public async Task Trims_once_when_the_process_goes_idle_after_a_burst_and_not_again_while_idle()
    {
        var trimmer = new IdleMemoryTrimmer(TimeProvider.System, NullLogger<IdleMemoryTrimmer>.Instance);
        await trimmer.StartAsync(CancellationToken.None);
        try
        {
            Burst();
            await WaitForAsync(() => trimmer.Trims >= 1);
            var before = trimmer.Trims;
            Burst();
            await WaitForAsync(() => trimmer.Trims > before);
            var after = trimmer.Trims;
            await Task.Delay(TimeSpan.FromSeconds(3));
            Assert.Equal(after, trimmer.Trims);
        }
        finally
        {
            await trimmer.StopAsync(CancellationToken.None);
        }
    }

    private static void Burst()
    {
        var keep = 0L;
        for (var i = 0; i < 64; i++) keep += new byte[1024 * 1024].Length;
        Assert.Equal(64L * 1024 * 1024, keep);
    }

    private static async Task WaitForAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "no trim within 30 s");
            await Task.Delay(100);
        }
    }
}
