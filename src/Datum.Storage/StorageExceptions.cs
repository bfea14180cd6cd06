namespace Datum.Storage;

/// <summary>Base of the errors the store reports; each maps to one Kubernetes status.</summary>
public abstract class StorageException(string message) : Exception(message);

/// <summary>Create of a key that exists.</summary>
public sealed class KeyExistsException(string key) : StorageException($"key {key} already exists")
{
    /// <summary>The key.</summary>
    public string Key { get; } = key;
}

/// <summary>Update or delete of a key that does not exist.</summary>
public sealed class KeyMissingException(string key) : StorageException($"key {key} not found")
{
    /// <summary>The key.</summary>
    public string Key { get; } = key;
}

/// <summary>Compare-and-swap failed: the key changed since the caller read it.</summary>
public sealed class RevisionConflictException(StoredObject current, long expected)
    : StorageException($"key {current.Key} is at revision {current.ModRevision}, not {expected}")
{
    /// <summary>The key's current state.</summary>
    public StoredObject Current { get; } = current;
}

/// <summary>The requested revision is older than the retained history.</summary>
public sealed class RevisionCompactedException(long requested, long compacted)
    : StorageException($"too old resource version: {requested} ({compacted})")
{
    /// <summary>The revision asked for.</summary>
    public long Requested { get; } = requested;
    /// <summary>The compacted revision.</summary>
    public long Compacted { get; } = compacted;
}

/// <summary>The requested revision is newer than anything committed.</summary>
public sealed class FutureRevisionException(long requested, long current)
    : StorageException($"resource version {requested} is newer than the current {current}")
{
    /// <summary>The revision asked for.</summary>
    public long Requested { get; } = requested;
}

/// <summary>A watch consumer fell too far behind and was dropped; it should re-watch from its last revision.</summary>
public sealed class WatchOverflowException() : StorageException("watch consumer fell behind and was dropped");
