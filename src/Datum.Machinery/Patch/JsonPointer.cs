using System.Globalization;
using System.Text;

namespace Datum.Machinery.Patch;

/// <summary>An RFC 6901 JSON Pointer split into unescaped reference tokens.</summary>
internal sealed class JsonPointer
{
    private JsonPointer(string text, IReadOnlyList<string> tokens)
    {
        Text = text;
        Tokens = tokens;
    }

    public string Text { get; }

    public IReadOnlyList<string> Tokens { get; }

    public bool IsRoot => Tokens.Count == 0;

    /// <summary>Parses <paramref name="text"/>; returns null when it is not a valid pointer.</summary>
    public static JsonPointer? TryParse(string text)
    {
        if (text.Length == 0)
        {
            return new JsonPointer(text, []);
        }
        if (text[0] != '/')
        {
            return null;
        }

        var tokens = new List<string>();
        foreach (var raw in text[1..].Split('/'))
        {
            var token = Unescape(raw);
            if (token is null)
            {
                return null;
            }
            tokens.Add(token);
        }
        return new JsonPointer(text, tokens);
    }

    private static string? Unescape(string raw)
    {
        if (raw.IndexOf('~', StringComparison.Ordinal) < 0)
        {
            return raw;
        }
        var builder = new StringBuilder(raw.Length);
        for (var i = 0; i < raw.Length; i++)
        {
            if (raw[i] != '~')
            {
                builder.Append(raw[i]);
                continue;
            }
            if (i + 1 >= raw.Length)
            {
                return null;
            }
            var next = raw[++i];
            if (next == '0')
            {
                builder.Append('~');
            }
            else if (next == '1')
            {
                builder.Append('/');
            }
            else
            {
                return null;
            }
        }
        return builder.ToString();
    }

    /// <summary>True when this pointer is a proper prefix of <paramref name="other"/>.</summary>
    public bool IsProperPrefixOf(JsonPointer other)
    {
        if (Tokens.Count >= other.Tokens.Count)
        {
            return false;
        }
        for (var i = 0; i < Tokens.Count; i++)
        {
            if (!string.Equals(Tokens[i], other.Tokens[i], StringComparison.Ordinal))
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>
    /// Parses an array index token: decimal digits with no leading zero (RFC 6901 section 4).
    /// Returns -1 when the token is not an index.
    /// </summary>
    public static int ParseIndex(string token)
    {
        if (token.Length == 0 || (token.Length > 1 && token[0] == '0'))
        {
            return -1;
        }
        foreach (var c in token)
        {
            if (!char.IsAsciiDigit(c))
            {
                return -1;
            }
        }
        return int.TryParse(token, NumberStyles.None, CultureInfo.InvariantCulture, out var index) ? index : -1;
    }
}
