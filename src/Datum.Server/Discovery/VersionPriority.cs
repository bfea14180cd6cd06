using System.Text.RegularExpressions;

namespace Datum.Server.Discovery;

/// <summary>Kubernetes' version ordering: GA above beta above alpha, higher numbers first.</summary>
public static partial class VersionPriority
{
    /// <summary>A sortable rank; larger is preferred.</summary>
    public static long Rank(string version)
    {
        var match = Pattern().Match(version);
        if (!match.Success) return 0;
        var major = long.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        var stage = match.Groups[2].Value switch { "" => 3, "beta" => 2, _ => 1 };
        var minor = match.Groups[3].Success && match.Groups[3].Value.Length > 0
            ? long.Parse(match.Groups[3].Value, System.Globalization.CultureInfo.InvariantCulture) : 0;
        return stage * 1_000_000_000L + major * 1_000 + minor;
    }

    [GeneratedRegex("^v(\\d+)(?:(alpha|beta)(\\d*))?$")]
    private static partial Regex Pattern();
}
