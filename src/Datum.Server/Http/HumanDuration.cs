namespace Datum.Server.Http;

/// <summary>Formats ages the way kubectl shows them (<c>45s</c>, <c>3m12s</c>, <c>5h</c>, <c>12d</c>, <c>2y30d</c>).</summary>
public static class HumanDuration
{
    /// <summary>The short form of <paramref name="duration"/>.</summary>
    public static string Format(TimeSpan duration)
    {
        var seconds = (long)duration.TotalSeconds;
        if (seconds < -1) return "<invalid>";
        if (seconds < 0) return "0s";
        if (seconds < 60 * 2) return $"{seconds}s";
        var minutes = seconds / 60;
        if (minutes < 10)
        {
            var s = seconds % 60;
            return s == 0 ? $"{minutes}m" : $"{minutes}m{s}s";
        }
        if (minutes < 60 * 3) return $"{minutes}m";
        var hours = minutes / 60;
        if (hours < 8)
        {
            var m = minutes % 60;
            return m == 0 ? $"{hours}h" : $"{hours}h{m}m";
        }
        if (hours < 48) return $"{hours}h";
        if (hours < 24 * 8)
        {
            var h = hours % 24;
            return h == 0 ? $"{hours / 24}d" : $"{hours / 24}d{h}h";
        }
        if (hours < 24 * 365 * 2) return $"{hours / 24}d";
        if (hours < 24 * 365 * 8)
        {
            var d = hours / 24 % 365;
            return d == 0 ? $"{hours / 24 / 365}y" : $"{hours / 24 / 365}y{d}d";
        }
        return $"{hours / 24 / 365}y";
    }
}
