using System.Text.Json.Serialization.Metadata;

namespace Datum.Runtime.Api;

/// <summary>Any API object: type metadata plus <see cref="ObjectMeta"/>.</summary>
public interface IKubeObject
{
    /// <summary><c>apiVersion</c>.</summary>
    string? ApiVersion { get; set; }

    /// <summary><c>kind</c>.</summary>
    string? Kind { get; set; }

    /// <summary><c>metadata</c>.</summary>
    ObjectMeta Metadata { get; set; }
}

/// <summary>
/// A typed kind: it names its REST resource and its System.Text.Json contract (source generated), so generic
/// code (<c>client.Resource&lt;T&gt;()</c>, informers, the builder) needs nothing else.
/// </summary>
public interface IKubeObject<TSelf> : IKubeObject where TSelf : class, IKubeObject<TSelf>
{
    /// <summary>The kind's REST resource.</summary>
    static abstract ResourceType Resource { get; }

    /// <summary>The kind's JSON contract.</summary>
    static abstract JsonTypeInfo<TSelf> JsonTypeInfo { get; }
}
