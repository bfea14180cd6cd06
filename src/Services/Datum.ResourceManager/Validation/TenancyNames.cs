using System.Text.Json.Nodes;
using Datum.Machinery.Api;

namespace Datum.ResourceManager.Validation;

/// <summary>The name rules of organizations and projects (Milo's webhooks plus Datum's project-name policy).</summary>
public static class TenancyNames
{
    /// <summary>The longest organization name.</summary>
    public const int MaxOrganizationName = 50;

    /// <summary>The shortest project name (Datum policy).</summary>
    public const int MinProjectName = 6;

    /// <summary>The longest project name (Datum policy; Milo's own limit of 55 is looser).</summary>
    public const int MaxProjectName = 30;

    /// <summary>Errors of an organization name beyond DNS-label syntax.</summary>
    public static IEnumerable<FieldError> Organization(string? name)
    {
        if (name is { Length: > MaxOrganizationName })
        {
            yield return FieldError.Invalid("metadata.name", JsonValue.Create(name), $"name exceeds maximum length of {MaxOrganizationName} characters");
        }
    }

    /// <summary>Errors of a project name beyond DNS-label syntax.</summary>
    public static IEnumerable<FieldError> Project(string? name)
    {
        if (string.IsNullOrEmpty(name)) yield break;
        if (name.Length < MinProjectName)
        {
            yield return FieldError.Invalid("metadata.name", JsonValue.Create(name), $"Project name is too short: it must be at least {MinProjectName} characters");
        }
        if (name.Length > MaxProjectName)
        {
            yield return FieldError.Invalid("metadata.name", JsonValue.Create(name), $"Project name is too long: it must be at most {MaxProjectName} characters");
        }
        if (name.Contains("datum", StringComparison.OrdinalIgnoreCase))
        {
            yield return FieldError.Invalid("metadata.name", JsonValue.Create(name), "Project name cannot contain the reserved word 'datum'");
        }
    }
}
