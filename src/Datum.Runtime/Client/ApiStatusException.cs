using Datum.Runtime.Api;

namespace Datum.Runtime.Client;

/// <summary>The server answered with an error <see cref="Api.Status"/>.</summary>
public sealed class ApiStatusException(Status status) : Exception($"{status.Code} {status.Reason}: {status.Message}")
{
    /// <summary>The Status the server sent.</summary>
    public Status Status { get; } = status;

    /// <summary>HTTP code.</summary>
    public int Code => Status.Code;

    /// <summary>404.</summary>
    public bool IsNotFound => Code == 404;

    /// <summary>409 on a stale resourceVersion or a failed precondition.</summary>
    public bool IsConflict => Code == 409 && Status.Reason != "AlreadyExists";

    /// <summary>409 AlreadyExists on create.</summary>
    public bool IsAlreadyExists => Code == 409 && Status.Reason == "AlreadyExists";

    /// <summary>410: the resourceVersion is too old (relist).</summary>
    public bool IsGone => Code == 410;
}
