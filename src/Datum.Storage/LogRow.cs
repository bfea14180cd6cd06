namespace Datum.Storage;

/// <summary>One row of the append-only log: a create, an update, or a delete (tombstone).</summary>
/// <param name="Revision">The global revision of this write.</param>
/// <param name="Key">The key written.</param>
/// <param name="CreateRevision">The revision that created the key's current incarnation.</param>
/// <param name="PreviousRevision">The row this one supersedes (0 for a create).</param>
/// <param name="Deleted">True for a tombstone; its value is the object's final state.</param>
/// <param name="Value">The stored bytes.</param>
internal sealed record LogRow(long Revision, string Key, long CreateRevision, long PreviousRevision, bool Deleted, byte[] Value);
