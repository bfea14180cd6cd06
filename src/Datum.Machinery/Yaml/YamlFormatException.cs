namespace Datum.Machinery.Yaml;

/// <summary>
/// Thrown when YAML text is malformed or cannot be represented as JSON. <see cref="Line"/> and
/// <see cref="Column"/> are 1-based positions of the offending construct (0 when unknown).
/// </summary>
public sealed class YamlFormatException : FormatException
{
    /// <summary>Creates the exception; the position is also included in the message.</summary>
    public YamlFormatException(string message, long line, long column, Exception? inner = null)
        : base(line > 0 ? $"yaml: line {line}, column {column}: {message}" : $"yaml: {message}", inner)
    {
        Line = line;
        Column = column;
    }

    /// <summary>The 1-based line of the error, or 0 when unknown.</summary>
    public long Line { get; }

    /// <summary>The 1-based column of the error, or 0 when unknown.</summary>
    public long Column { get; }
}
