using Datum.Machinery.Api;
using Datum.Server.Registry;
using Microsoft.AspNetCore.Http;

namespace Datum.Server.Http;

/// <summary>Parses the write options every mutating verb shares: dryRun, fieldValidation, fieldManager.</summary>
public static class WriteOptions
{
    /// <summary>Whether <c>dryRun=All</c> was given; 400 for any other value.</summary>
    public static bool DryRun(HttpRequest request)
    {
        if (!request.Query.TryGetValue("dryRun", out var values)) return false;
        foreach (var value in values)
        {
            if (value != "All")
            {
                throw ApiException.BadRequest($"dryRun: Unsupported value: \"{value}\": supported values: \"All\"");
            }
        }
        return values.Count > 0;
    }

    /// <summary>The fieldValidation mode; Warn when absent; 400 for unknown values.</summary>
    public static FieldValidation FieldValidation(HttpRequest request)
    {
        if (!request.Query.TryGetValue("fieldValidation", out var values) || values.Count == 0) return Registry.FieldValidation.Warn;
        return values[0] switch
        {
            "Strict" => Registry.FieldValidation.Strict,
            "Warn" => Registry.FieldValidation.Warn,
            "Ignore" => Registry.FieldValidation.Ignore,
            var other => throw ApiException.BadRequest($"fieldValidation: Unsupported value: \"{other}\": supported values: \"Ignore\", \"Strict\", \"Warn\""),
        };
    }

    /// <summary>The field manager from the query, or derived from the User-Agent as Kubernetes does.</summary>
    public static string FieldManager(HttpRequest request)
    {
        if (request.Query.TryGetValue("fieldManager", out var manager) && manager.Count > 0 && !string.IsNullOrEmpty(manager[0]))
        {
            var value = manager[0]!;
            if (value.Length > 128) throw ApiException.BadRequest("fieldManager: Too long: may not be more than 128 bytes");
            return value;
        }
        var agent = request.Headers.UserAgent.ToString();
        var slash = agent.IndexOf('/');
        var name = slash > 0 ? agent[..slash] : agent;
        return name.Length == 0 ? "unknown" : name.Length > 128 ? name[..128] : name;
    }
}
