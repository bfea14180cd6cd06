using System.Text.Json.Nodes;
using Datum.Machinery.Objects;

namespace Datum.ResourceManager.Validation;

/// <summary>Reads and writes <c>metav1.Condition</c> lists in <c>status.conditions</c>.</summary>
public static class Conditions
{
    /// <summary>The default every kind of this service starts with: <c>Ready=Unknown</c>.</summary>
    public static JsonArray Initial(string message) =>
        [new JsonObject
        {
            ["type"] = "Ready", ["status"] = "Unknown", ["reason"] = "Unknown", ["message"] = message,
            ["lastTransitionTime"] = "1970-01-01T00:00:00Z",
        }];

    /// <summary>The condition of <paramref name="type"/>, or null.</summary>
    public static JsonObject? Find(JsonObject obj, string type) =>
        (obj["status"]?["conditions"] as JsonArray)?.OfType<JsonObject>().FirstOrDefault(c => c["type"]?.ToString() == type);

    /// <summary>
    /// Sets a condition (keeping <c>lastTransitionTime</c> when the status did not change); returns whether anything
    /// changed.
    /// </summary>
    public static bool Set(JsonObject obj, string type, string status, string reason, string message, DateTimeOffset now)
    {
        if (obj["status"] is not JsonObject statusObj)
        {
            statusObj = new JsonObject();
            obj["status"] = statusObj;
        }
        if (statusObj["conditions"] is not JsonArray conditions)
        {
            conditions = [];
            statusObj["conditions"] = conditions;
        }
        var generation = ObjectFields.Generation(obj);
        var existing = conditions.OfType<JsonObject>().FirstOrDefault(c => c["type"]?.ToString() == type);
        if (existing is not null && existing["status"]?.ToString() == status && existing["reason"]?.ToString() == reason
            && existing["message"]?.ToString() == message && JsonNumbers.TryGetInt64(existing["observedGeneration"], out var g) && g == generation)
        {
            return false;
        }
        var transition = existing is not null && existing["status"]?.ToString() == status
            ? existing["lastTransitionTime"]?.DeepClone()
            : ObjectFields.FormatTime(now);
        var condition = new JsonObject
        {
            ["type"] = type, ["status"] = status, ["reason"] = reason, ["message"] = message,
            ["lastTransitionTime"] = transition, ["observedGeneration"] = generation,
        };
        if (existing is null) conditions.Add(condition);
        else conditions[conditions.IndexOf(existing)] = condition;
        return true;
    }

    /// <summary>Whether the condition of <paramref name="type"/> has status True.</summary>
    public static bool IsTrue(JsonObject obj, string type) => Find(obj, type)?["status"]?.ToString() == "True";
}
