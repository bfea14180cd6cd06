using Xunit.Abstractions;
using Xunit.Sdk;

namespace Datum.Storage.Tests;

/// <summary>
/// A fact of the storage contract suite. In classes whose name contains "Postgres" it is skipped, with the reason,
/// when no PostgreSQL server binaries are installed.
/// </summary>
[XunitTestCaseDiscoverer("Datum.Storage.Tests.StoreFactDiscoverer", "Datum.Storage.Tests")]
[AttributeUsage(AttributeTargets.Method)]
public sealed class StoreFactAttribute : FactAttribute;

/// <summary>Discovers <see cref="StoreFactAttribute"/> tests.</summary>
public sealed class StoreFactDiscoverer(IMessageSink diagnosticMessageSink) : IXunitTestCaseDiscoverer
{
    /// <inheritdoc />
    public IEnumerable<IXunitTestCase> Discover(ITestFrameworkDiscoveryOptions discoveryOptions, ITestMethod testMethod, IAttributeInfo factAttribute)
    {
        yield return new StoreTestCase(diagnosticMessageSink, discoveryOptions.MethodDisplayOrDefault(), discoveryOptions.MethodDisplayOptionsOrDefault(), testMethod);
    }
}

/// <summary>A test case that skips PostgreSQL classes when PostgreSQL is unavailable.</summary>
public sealed class StoreTestCase : XunitTestCase
{
    /// <summary>For deserialization.</summary>
    [Obsolete("Called by the de-serializer; should only be called by deriving classes for de-serialization purposes")]
    public StoreTestCase()
    {
    }

    /// <summary>Creates the test case.</summary>
    public StoreTestCase(IMessageSink sink, TestMethodDisplay display, TestMethodDisplayOptions options, ITestMethod testMethod)
        : base(sink, display, options, testMethod)
    {
    }

    /// <inheritdoc />
    protected override string GetSkipReason(IAttributeInfo factAttribute)
    {
        if (TestMethod.TestClass.Class.Name.Contains("Postgres", StringComparison.Ordinal) && PostgresServer.UnavailableReason is { } reason)
        {
            return reason;
        }
        return base.GetSkipReason(factAttribute);
    }
}
