namespace Datum.Server.Hosting;

/// <summary>Where <c>datum up</c> keeps its state when no <c>--data-dir</c> is given.</summary>
public static class DefaultDataDirectory
{
    /// <summary><c>$DATUM_DATA_DIR</c>, else <c>$XDG_DATA_HOME/datum</c>, else <c>~/.local/share/datum</c>.</summary>
    public static string Resolve()
    {
        var explicitDir = Environment.GetEnvironmentVariable("DATUM_DATA_DIR");
        if (!string.IsNullOrEmpty(explicitDir)) return explicitDir;
        var xdg = Environment.GetEnvironmentVariable("XDG_DATA_HOME");
        if (!string.IsNullOrEmpty(xdg)) return Path.Combine(xdg, "datum");
        return Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".local", "share", "datum");
    }
}
