using System.Collections.Concurrent;
using System.Globalization;
using Datum.Runtime.Api;
using Datum.Runtime.Api.Kinds;
using Datum.Runtime.Client;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Datum.Runtime.Reconcile;

/// <summary>
/// Writes core/v1 Events about objects (what <c>kubectl describe</c> shows). A repeat of the same type, reason and
/// message for the same object bumps <c>count</c> and <c>lastTimestamp</c> of the existing Event. Best effort:
/// failures are logged, never thrown, so a reconcile does not fail because an Event could not be written.
/// </summary>
public sealed partial class EventRecorder(KubeClient client, string component, TimeProvider? time = null, ILogger? logger = null)
{
    /// <summary>Event type Normal.</summary>
    public const string Normal = "Normal";

    /// <summary>Event type Warning.</summary>
    public const string Warning = "Warning";

    private readonly ConcurrentDictionary<(string?, string?, string, string, string), string> _recent = new();
    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private readonly ILogger _logger = logger ?? NullLogger.Instance;

    /// <summary>Records an event about <paramref name="regarding"/>.</summary>
    public async Task RecordAsync(IKubeObject regarding, string type, string reason, string message, CancellationToken ct = default)
    {
        var events = client.Resource<Event>();
        var ns = regarding.Metadata.Namespace is { Length: > 0 } n ? n : "default";
        var now = _time.GetUtcNow();
        var key = (regarding.Metadata.Uid, regarding.Metadata.Name, type, reason, message);
        try
        {
            if (_recent.TryGetValue(key, out var existingName))
            {
                var updated = await ObjectOperations.UpdateAsync(events, ns, existingName, e =>
                {
                    e.Count = (e.Count ?? 1) + 1;
                    e.LastTimestamp = now;
                    return true;
                }, ct).ConfigureAwait(false);
                if (updated is not null) return;
            }
            var name = $"{regarding.Metadata.Name}.{now.UtcTicks.ToString("x", CultureInfo.InvariantCulture)}";
            await events.CreateAsync(new Event
            {
                Metadata = new ObjectMeta { Name = name, Namespace = ns },
                InvolvedObject = new ObjectReference
                {
                    ApiVersion = regarding.ApiVersion, Kind = regarding.Kind, Name = regarding.Metadata.Name,
                    Namespace = regarding.Metadata.Namespace, Uid = regarding.Metadata.Uid, ResourceVersion = regarding.Metadata.ResourceVersion,
                },
                Type = type, Reason = reason, Message = message, Count = 1, FirstTimestamp = now, LastTimestamp = now,
                Source = new EventSource { Component = component }, ReportingComponent = component, ReportingInstance = Environment.MachineName,
            }, ct: ct).ConfigureAwait(false);
            if (_recent.Count > 4096) _recent.Clear();
            _recent[key] = name;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogFailed(_logger, reason, regarding.Metadata.Name ?? "", e.Message);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "could not record event {Reason} for {Name}: {Error}")]
    private static partial void LogFailed(ILogger logger, string reason, string name, string error);
}
