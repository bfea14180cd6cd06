using Datum.Server.Hosting;
using Datum.Server.Tests.Kinds;

namespace Datum.Server.Tests.Api;

/// <summary>The shared in-process server, serving the built-in kinds plus <see cref="WidgetKind"/>.</summary>
public sealed class DatumServerFixture : ApiServerFixture
{
    /// <inheritdoc />
    protected override DatumServerOptions Configure(DatumServerOptions options) =>
        options with { ConfigureKinds = catalog => catalog.Add(WidgetKind.Definition) };
}
