namespace Datum.Storage;

/// <summary>Orders objects by key alone, so one sorted set serves both point lookups and prefix scans.</summary>
internal sealed class StoredObjectKeyComparer : IComparer<StoredObject>
{
    public static readonly StoredObjectKeyComparer Instance = new();

    private StoredObjectKeyComparer()
    {
    }

    public int Compare(StoredObject? x, StoredObject? y) => string.CompareOrdinal(x?.Key, y?.Key);
}
