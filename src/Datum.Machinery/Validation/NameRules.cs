using System.Text.RegularExpressions;

namespace Datum.Machinery.Validation;

/// <summary>Kubernetes' name formats, with its error texts so users see familiar messages.</summary>
public static partial class NameRules
{
    /// <summary>How a kind's names are checked.</summary>
    public enum Format
    {
        /// <summary>RFC 1123 subdomain: most kinds.</summary>
        Subdomain,
        /// <summary>RFC 1123 label: namespaces and kinds whose names become DNS labels.</summary>
        Label,
        /// <summary>Anything a path segment may hold (used by a few virtual kinds).</summary>
        PathSegment,
    }

    /// <summary>Error texts for <paramref name="name"/> (empty when valid).</summary>
    public static IReadOnlyList<string> Check(string name, Format format) => format switch
    {
        Format.Label => CheckLabel(name),
        Format.PathSegment => CheckPathSegment(name),
        _ => CheckSubdomain(name),
    };

    /// <summary>RFC 1123 subdomain check.</summary>
    public static IReadOnlyList<string> CheckSubdomain(string value)
    {
        var errors = new List<string>();
        if (value.Length > 253) errors.Add("must be no more than 253 characters");
        if (!Subdomain().IsMatch(value))
        {
            errors.Add("a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')");
        }
        return errors;
    }

    /// <summary>RFC 1123 label check.</summary>
    public static IReadOnlyList<string> CheckLabel(string value)
    {
        var errors = new List<string>();
        if (value.Length > 63) errors.Add("must be no more than 63 characters");
        if (!Label().IsMatch(value))
        {
            errors.Add("a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')");
        }
        return errors;
    }

    private static IReadOnlyList<string> CheckPathSegment(string value)
    {
        if (value is "." or "..") return [$"may not be '{value}'"];
        foreach (var bad in new[] { "/", "%" })
        {
            if (value.Contains(bad, StringComparison.Ordinal)) return [$"may not contain '{bad}'"];
        }
        return [];
    }

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")]
    private static partial Regex Subdomain();

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")]
    private static partial Regex Label();
}
