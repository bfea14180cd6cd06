namespace Datum.Storage;

/// <summary>An item of the single writer's queue: everything that changes the log goes through it.</summary>
internal abstract class WriterWork
{
}
