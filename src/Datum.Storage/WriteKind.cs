namespace Datum.Storage;

internal enum WriteKind
{
    Create,
    Update,
    Delete,
}
