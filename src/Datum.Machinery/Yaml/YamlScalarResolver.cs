using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Datum.Machinery.Yaml;

/// <summary>
/// Resolves untagged plain scalars the way gopkg.in/yaml.v2 does (the library behind
/// sigs.k8s.io/yaml, and so behind kubectl and the API server), which is YAML 1.1 flavoured:
/// y/yes/on/true and n/no/off/false in three casings are booleans; "", ~ and null are null;
/// Go base-prefixed integers with '_' separators; and floats. Timestamps stay strings, as
/// yaml.v2 leaves them when decoding into an untyped value.
/// </summary>
internal static partial class YamlScalarResolver
{
    public const string StrTag = "tag:yaml.org,2002:str";
    public const string IntTag = "tag:yaml.org,2002:int";
    public const string FloatTag = "tag:yaml.org,2002:float";
    public const string BoolTag = "tag:yaml.org,2002:bool";
    public const string NullTag = "tag:yaml.org,2002:null";

    [GeneratedRegex(@"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$", RegexOptions.CultureInvariant)]
    private static partial Regex YamlStyleFloat();

    /// <summary>The outcome of resolving a plain scalar.</summary>
    public enum Kind
    {
        Null,
        Bool,
        Int,
        Float,
        String,
        NonFinite,
    }

    public static Kind Resolve(string text, out JsonNode? value)
    {
        switch (text)
        {
            case "" or "~" or "null" or "Null" or "NULL":
                value = null;
                return Kind.Null;
            case "y" or "Y" or "yes" or "Yes" or "YES" or "true" or "True" or "TRUE" or "on" or "On" or "ON":
                value = JsonValue.Create(true);
                return Kind.Bool;
            case "n" or "N" or "no" or "No" or "NO" or "false" or "False" or "FALSE" or "off" or "Off" or "OFF":
                value = JsonValue.Create(false);
                return Kind.Bool;
            case ".nan" or ".NaN" or ".NAN" or ".inf" or ".Inf" or ".INF" or "+.inf" or "+.Inf" or "+.INF"
                or "-.inf" or "-.Inf" or "-.INF":
                value = null;
                return Kind.NonFinite;
        }

        // yaml.v2 only considers a number when the scalar starts like one.
        if ("+-.0123456789".Contains(text[0], StringComparison.Ordinal))
        {
            var plain = text.Replace("_", string.Empty, StringComparison.Ordinal);
            var number = TryNumber(plain, out var isFloat);
            if (number is not null)
            {
                value = number;
                return isFloat ? Kind.Float : Kind.Int;
            }
        }

        value = JsonValue.Create(text);
        return Kind.String;
    }

    /// <summary>Integer (Go strconv base-0 syntax) first, then a YAML-style float.</summary>
    public static JsonValue? TryNumber(string plain, out bool isFloat)
    {
        isFloat = false;
        if (TryGoInteger(plain, out var integer, out var unsigned))
        {
            return unsigned is { } u ? JsonValue.Create(u) : JsonValue.Create(integer);
        }
        if (YamlStyleFloat().IsMatch(plain)
            && double.TryParse(plain, NumberStyles.Float, CultureInfo.InvariantCulture, out var d)
            && double.IsFinite(d))
        {
            isFloat = true;
            return JsonValue.Create(d);
        }
        return null;
    }

    // Go's strconv.ParseInt(s, 0, 64) falling back to ParseUint: optional sign, then 0x/0o/0b or a
    // leading 0 (octal) prefix, else decimal.
    private static bool TryGoInteger(string s, out long value, out ulong? unsignedValue)
    {
        value = 0;
        unsignedValue = null;
        var negative = false;
        var i = 0;
        if (s.Length > 0 && (s[0] == '+' || s[0] == '-'))
        {
            negative = s[0] == '-';
            i = 1;
        }
        var body = s[i..];
        if (body.Length == 0)
        {
            return false;
        }

        int radix;
        if (body.Length > 2 && body[0] == '0' && (body[1] is 'x' or 'X'))
        {
            radix = 16;
            body = body[2..];
        }
        else if (body.Length > 2 && body[0] == '0' && (body[1] is 'o' or 'O'))
        {
            radix = 8;
            body = body[2..];
        }
        else if (body.Length > 2 && body[0] == '0' && (body[1] is 'b' or 'B'))
        {
            radix = 2;
            body = body[2..];
        }
        else if (body.Length > 1 && body[0] == '0')
        {
            radix = 8;
            body = body[1..];
        }
        else
        {
            radix = 10;
        }

        ulong magnitude = 0;
        foreach (var c in body)
        {
            var digit = c switch
            {
                >= '0' and <= '9' => c - '0',
                >= 'a' and <= 'f' => c - 'a' + 10,
                >= 'A' and <= 'F' => c - 'A' + 10,
                _ => 99,
            };
            if (digit >= radix)
            {
                return false;
            }
            var next = magnitude * (ulong)radix + (ulong)digit;
            if (magnitude > (ulong.MaxValue - (ulong)digit) / (ulong)radix)
            {
                return false;
            }
            magnitude = next;
        }

        if (negative)
        {
            if (magnitude > (ulong)long.MaxValue + 1)
            {
                return false;
            }
            value = magnitude == (ulong)long.MaxValue + 1 ? long.MinValue : -(long)magnitude;
            return true;
        }
        if (magnitude > long.MaxValue)
        {
            unsignedValue = magnitude;
            return true;
        }
        value = (long)magnitude;
        return true;
    }
}
