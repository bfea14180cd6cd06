namespace Datum.Bench;

public static class Workers
{
    /// <summary>Runs <paramref name="count"/> concurrent workers and waits for all of them.</summary>
    public static Task RunAsync(int count, Func<int, Task> worker) =>
        Task.WhenAll(Enumerable.Range(0, count).Select(i => Task.Run(() => worker(i))));
}
