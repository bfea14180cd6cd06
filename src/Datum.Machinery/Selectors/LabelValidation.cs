namespace Datum.Machinery.Selectors;

/// <summary>
/// Kubernetes' qualified-name and label-value rules (apimachinery validation), used so that a
/// selector the real API server rejects is rejected here too.
/// </summary>
internal static class LabelValidation
{
    private const int NameMaxLength = 63;
    private const int PrefixMaxLength = 253;
    private const string NameCharsMessage =
        "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
    private const string ValueCharsMessage =
        "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";

    public static void ValidateKey(string key)
    {
        var error = KeyError(key);
        if (error is not null)
        {
            throw new SelectorParseException($"key: Invalid value: \"{key}\": {error}");
        }
    }

    public static void ValidateValue(string value)
    {
        if (value.Length > NameMaxLength)
        {
            throw new SelectorParseException(
                $"values[0][{value}]: Invalid value: \"{value}\": must be no more than 63 characters");
        }
        if (value.Length > 0 && !IsName(value))
        {
            throw new SelectorParseException($"values[0][{value}]: Invalid value: \"{value}\": {ValueCharsMessage}");
        }
    }

    /// <summary>Returns why <paramref name="key"/> is not a qualified name, or null when it is.</summary>
    public static string? KeyError(string key)
    {
        var name = key;
        var slash = key.IndexOf('/', StringComparison.Ordinal);
        if (slash >= 0)
        {
            if (key.IndexOf('/', slash + 1) >= 0)
            {
                return "a qualified name " + NameCharsMessage.Replace("name part ", string.Empty, StringComparison.Ordinal)
                    + " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')";
            }
            var prefix = key[..slash];
            name = key[(slash + 1)..];
            if (prefix.Length == 0)
            {
                return "prefix part must be non-empty";
            }
            if (prefix.Length > PrefixMaxLength)
            {
                return "prefix part must be no more than 253 characters";
            }
            if (!IsDnsSubdomain(prefix))
            {
                return "prefix part a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
            }
        }

        if (name.Length == 0)
        {
            return "name part must be non-empty";
        }
        if (name.Length > NameMaxLength)
        {
            return "name part must be no more than 63 characters";
        }
        return IsName(name) ? null : NameCharsMessage;
    }

    private static bool IsName(string s)
    {
        if (!char.IsAsciiLetterOrDigit(s[0]) || !char.IsAsciiLetterOrDigit(s[^1]))
        {
            return false;
        }
        foreach (var c in s)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c != '-' && c != '_' && c != '.')
            {
                return false;
            }
        }
        return true;
    }

    private static bool IsDnsSubdomain(string s)
    {
        foreach (var label in s.Split('.'))
        {
            if (label.Length == 0 || label.Length > 63)
            {
                return false;
            }
            if (!IsLowerAlnum(label[0]) || !IsLowerAlnum(label[^1]))
            {
                return false;
            }
            foreach (var c in label)
            {
                if (!IsLowerAlnum(c) && c != '-')
                {
                    return false;
                }
            }
        }
        return true;
    }

    private static bool IsLowerAlnum(char c) => char.IsAsciiDigit(c) || char.IsAsciiLetterLower(c);
}
