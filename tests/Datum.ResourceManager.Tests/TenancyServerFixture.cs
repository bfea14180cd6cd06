using Datum.Server.Hosting;

namespace Datum.ResourceManager.Tests;

/// <summary>The shared in-process server, serving the built-in kinds plus the resource manager.</summary>
public sealed class TenancyServerFixture : ApiServerFixture
{
    /// <inheritdoc />
    protected override DatumServerOptions Configure(DatumServerOptions options) => options.AddResourceManager();
}
