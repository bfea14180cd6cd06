namespace Datum.Server.Registry;

/// <summary>
/// A subresource with its own behaviour (<c>serviceaccounts/token</c>, <c>widgets/scale</c>), declared on a
/// <see cref="ResourceDefinition"/>. The built-in <c>status</c> subresource is not one of these: it is the
/// generic store with status rules (<see cref="ResourceDefinition.HasStatusSubresource"/>).
/// </summary>
public interface ISubresource
{
    /// <summary>The URL segment after the object name.</summary>
    string Name { get; }

    /// <summary>Verbs for discovery and authorization (<c>get</c>, <c>update</c>, <c>patch</c>, <c>create</c>).</summary>
    IReadOnlyList<string> Verbs { get; }

    /// <summary>The kind the subresource speaks (for discovery), e.g. <c>autoscaling/v1 Scale</c>.</summary>
    Datum.Machinery.Api.GroupVersionKind ResponseKind { get; }

    /// <summary>Serves one request; <paramref name="request"/> names the parent object.</summary>
    Task HandleAsync(Http.ResourceRequest request);
}
