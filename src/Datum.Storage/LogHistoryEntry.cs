namespace Datum.Storage;

/// <summary>A log row read back for a watch replay, with the value of the row it superseded.</summary>
internal sealed record LogHistoryEntry(LogRow Row, byte[]? PreviousValue);
