namespace Datum.Server.Security;

/// <summary>An authenticated Kubernetes user, as passed on to authorization and audit.</summary>
/// <param name="Name">The user name (e.g. <c>admin</c>, <c>system:serviceaccount:ns:name</c>).</param>
/// <param name="Uid">A unique identifier, when the authenticator knows one.</param>
/// <param name="Groups">The groups the user belongs to, including <c>system:authenticated</c>.</param>
/// <param name="Extra">Additional authenticator-specific attributes.</param>
public sealed record UserInfo(
    string Name,
    string? Uid,
    IReadOnlyList<string> Groups,
    IReadOnlyDictionary<string, IReadOnlyList<string>>? Extra = null);
