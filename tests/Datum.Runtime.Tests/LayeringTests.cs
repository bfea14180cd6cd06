namespace Datum.Runtime.Tests;

public sealed class LayeringTests
{
    /// <summary>Only the in-process transport may know the server; the rest of the runtime talks through IApiTransport.</summary>
    [Fact]
    public void The_runtime_core_uses_neither_the_server_nor_aspnet()
    {
        var root = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(root, "Datum.slnx"))) root = Path.GetDirectoryName(root) ?? throw new InvalidOperationException("repository root not found");
        var runtime = Path.Combine(root, "src", "Datum.Runtime");
        var offenders = Directory.EnumerateFiles(runtime, "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}InProcess{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                && !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .Where(f => File.ReadAllText(f) is var text && (text.Contains("Datum.Server", StringComparison.Ordinal) || text.Contains("Microsoft.AspNetCore", StringComparison.Ordinal)))
            .ToList();
        Assert.Empty(offenders);
    }
}
