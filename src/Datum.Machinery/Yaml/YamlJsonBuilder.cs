using System.Globalization;
using System.Text.Json.Nodes;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace Datum.Machinery.Yaml;

/// <summary>Walks YamlDotNet's event stream and builds JSON nodes; one instance per stream.</summary>
internal sealed class YamlJsonBuilder
{
    // Aliases can expand exponentially ("billion laughs"); cap what expansion may produce so a
    // small request body cannot exhaust memory.
    private const long MaxAliasExpansionNodes = 1_000_000;

    private readonly IParser _parser;
    private readonly Dictionary<string, JsonNode?> _anchors = new(StringComparer.Ordinal);
    private long _aliasBudget = MaxAliasExpansionNodes;

    private YamlJsonBuilder(IParser parser) => _parser = parser;

    public static List<JsonNode?> Read(string yaml, bool firstOnly)
    {
        var builder = new YamlJsonBuilder(new Parser(new StringReader(yaml)));
        try
        {
            return builder.ReadStream(firstOnly);
        }
        catch (YamlException e)
        {
            throw new YamlFormatException(CleanMessage(e), e.Start.Line, e.Start.Column, e);
        }
    }

    // YamlDotNet prefixes messages with "(Line: .., Col: .., Idx: ..) - (...): "; the position is
    // reported separately, so keep only the description.
    private static string CleanMessage(YamlException e)
    {
        var message = e.Message;
        var marker = message.IndexOf("): ", StringComparison.Ordinal);
        return message.StartsWith("(Line:", StringComparison.Ordinal) && marker >= 0 ? message[(marker + 3)..] : message;
    }

    private List<JsonNode?> ReadStream(bool firstOnly)
    {
        var documents = new List<JsonNode?>();
        _parser.Consume<StreamStart>();
        while (!_parser.TryConsume<StreamEnd>(out _))
        {
            _parser.Consume<DocumentStart>();
            _anchors.Clear();
            documents.Add(ReadNode());
            _parser.Consume<DocumentEnd>();
            if (firstOnly)
            {
                break;
            }
        }
        return documents;
    }

    private static YamlFormatException Error(ParsingEvent at, string message) =>
        new(message, at.Start.Line, at.Start.Column);

    private JsonNode? ReadNode()
    {
        var current = _parser.Current ?? throw new YamlFormatException("unexpected end of input", 0, 0);
        switch (current)
        {
            case AnchorAlias alias:
                _parser.MoveNext();
                return Dereference(alias);
            case Scalar scalar:
                _parser.MoveNext();
                return Remember(scalar, ResolveScalar(scalar));
            case SequenceStart start:
            {
                _parser.MoveNext();
                var array = new JsonArray();
                while (!_parser.TryConsume<SequenceEnd>(out _))
                {
                    array.Add(ReadNode());
                }
                return Remember(start, array);
            }
            case MappingStart start:
            {
                _parser.MoveNext();
                var obj = new JsonObject();
                while (!_parser.TryConsume<MappingEnd>(out _))
                {
                    ReadMember(obj);
                }
                return Remember(start, obj);
            }
            default:
                throw Error(current, $"unexpected {current.GetType().Name}");
        }
    }

    private void ReadMember(JsonObject obj)
    {
        var keyEvent = _parser.Current!;
        if (keyEvent is Scalar { Style: ScalarStyle.Plain, Value: "<<" } mergeKey && mergeKey.Tag.IsEmpty)
        {
            _parser.MoveNext();
            var valueEvent = _parser.Current!;
            Merge(obj, ReadNode(), valueEvent);
            return;
        }

        var key = ReadKey(keyEvent);
        var value = ReadNode();
        // Duplicate keys: the last one wins, as with yaml.v2's non-strict decoding.
        obj[key] = value;
    }

    private string ReadKey(ParsingEvent keyEvent)
    {
        JsonNode? resolved;
        if (keyEvent is Scalar scalar)
        {
            _parser.MoveNext();
            if (scalar.Tag.IsEmpty && scalar.Style == ScalarStyle.Plain
                && YamlScalarResolver.Resolve(scalar.Value, out _) == YamlScalarResolver.Kind.NonFinite)
            {
                // Go renders these float keys back in YAML spelling.
                return scalar.Value.ToLowerInvariant() switch
                {
                    ".nan" => ".nan",
                    "-.inf" => "-.inf",
                    _ => ".inf",
                };
            }
            resolved = Remember(scalar, ResolveScalar(scalar));
        }
        else if (keyEvent is AnchorAlias alias)
        {
            _parser.MoveNext();
            resolved = Dereference(alias);
        }
        else
        {
            throw Error(keyEvent, "a mapping key must be a scalar to be converted to JSON");
        }

        return resolved switch
        {
            JsonValue value => FormatKey(value),
            null => throw Error(keyEvent, "a null mapping key cannot be converted to JSON"),
            _ => throw Error(keyEvent, "a mapping key must be a scalar to be converted to JSON"),
        };
    }

    // sigs.k8s.io/yaml turns non-string keys into strings: booleans as true/false, integers in
    // decimal and floats in Go's shortest float32 'g' format.
    private static string FormatKey(JsonValue value)
    {
        if (value.TryGetValue<string>(out var s))
        {
            return s;
        }
        if (value.TryGetValue<bool>(out var b))
        {
            return b ? "true" : "false";
        }
        if (value.TryGetValue<long>(out var l))
        {
            return l.ToString(CultureInfo.InvariantCulture);
        }
        if (value.TryGetValue<ulong>(out var u))
        {
            return u.ToString(CultureInfo.InvariantCulture);
        }
        if (value.TryGetValue<double>(out var d))
        {
            return GoFloat32G((float)d);
        }
        return value.ToJsonString();
    }

    private static string GoFloat32G(float f)
    {
        if (f == 0)
        {
            return "0";
        }
        // Shortest digits that round-trip, then Go's shortest %g layout: exponent form when exp < -4 or >= 6.
        var shortest = f.ToString("R", CultureInfo.InvariantCulture);
        var negative = shortest.StartsWith('-');
        var mantissaPart = shortest.TrimStart('-');
        var exponent = 0;
        var ePos = mantissaPart.IndexOfAny(['E', 'e']);
        if (ePos >= 0)
        {
            exponent = int.Parse(mantissaPart[(ePos + 1)..], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
            mantissaPart = mantissaPart[..ePos];
        }
        var dot = mantissaPart.IndexOf('.', StringComparison.Ordinal);
        var digits = mantissaPart.Replace(".", string.Empty, StringComparison.Ordinal);
        var pointPosition = (dot >= 0 ? dot : mantissaPart.Length) + exponent;
        var leadingZeros = digits.Length - digits.TrimStart('0').Length;
        digits = digits.Trim('0');
        pointPosition -= leadingZeros;
        if (digits.Length == 0)
        {
            return "0";
        }
        var exp = pointPosition - 1;
        string body;
        if (exp < -4 || exp >= 6)
        {
            var mantissa = digits.Length > 1 ? digits[0] + "." + digits[1..] : digits;
            body = mantissa + "e" + (exp < 0 ? "-" : "+") + Math.Abs(exp).ToString("00", CultureInfo.InvariantCulture);
        }
        else if (pointPosition <= 0)
        {
            body = "0." + new string('0', -pointPosition) + digits;
        }
        else if (pointPosition >= digits.Length)
        {
            body = digits + new string('0', pointPosition - digits.Length);
        }
        else
        {
            body = digits[..pointPosition] + "." + digits[pointPosition..];
        }
        return negative ? "-" + body : body;
    }

    private void Merge(JsonObject target, JsonNode? source, ParsingEvent at)
    {
        switch (source)
        {
            case JsonObject map:
                foreach (var (key, value) in map)
                {
                    target[key] = value?.DeepClone();
                }
                break;
            case JsonArray maps:
                // Earlier maps in a merge sequence take precedence, so apply them last.
                for (var i = maps.Count - 1; i >= 0; i--)
                {
                    if (maps[i] is not JsonObject)
                    {
                        throw Error(at, "map merge requires map or sequence of maps as the value");
                    }
                    Merge(target, maps[i], at);
                }
                break;
            default:
                throw Error(at, "map merge requires map or sequence of maps as the value");
        }
    }

    private JsonNode? Dereference(AnchorAlias alias)
    {
        if (!_anchors.TryGetValue(alias.Value.Value, out var target))
        {
            throw Error(alias, $"unknown anchor '{alias.Value.Value}' referenced");
        }
        if (target is null)
        {
            return null;
        }
        _aliasBudget -= CountNodes(target);
        if (_aliasBudget < 0)
        {
            throw Error(alias, "document contains excessive aliasing");
        }
        return target.DeepClone();
    }

    private static long CountNodes(JsonNode node) => node switch
    {
        JsonObject obj => 1 + obj.Sum(p => p.Value is null ? 1 : CountNodes(p.Value)),
        JsonArray array => 1 + array.Sum(n => n is null ? 1 : CountNodes(n)),
        _ => 1,
    };

    private JsonNode? Remember(NodeEvent node, JsonNode? value)
    {
        if (!node.Anchor.IsEmpty)
        {
            // Stored detached from the tree so later aliases can clone it.
            _anchors[node.Anchor.Value] = value?.DeepClone();
        }
        return value;
    }

    private static JsonNode? ResolveScalar(Scalar scalar)
    {
        var tag = scalar.Tag;
        if (!tag.IsEmpty && !tag.IsNonSpecific)
        {
            return ResolveTagged(scalar, tag.Value);
        }
        if (!tag.IsEmpty || scalar.Style != ScalarStyle.Plain)
        {
            return JsonValue.Create(scalar.Value);
        }

        var kind = YamlScalarResolver.Resolve(scalar.Value, out var value);
        if (kind == YamlScalarResolver.Kind.NonFinite)
        {
            throw Error(scalar, $"the value {scalar.Value} cannot be represented in JSON");
        }
        return value;
    }

    private static JsonNode? ResolveTagged(Scalar scalar, string tag)
    {
        switch (tag)
        {
            case YamlScalarResolver.NullTag:
                return null;
            case YamlScalarResolver.BoolTag:
            {
                var kind = YamlScalarResolver.Resolve(scalar.Value, out var value);
                return kind == YamlScalarResolver.Kind.Bool
                    ? value
                    : throw Error(scalar, $"cannot decode {scalar.Value} as a !!bool");
            }
            case YamlScalarResolver.IntTag:
            {
                var value = YamlScalarResolver.TryNumber(scalar.Value.Replace("_", string.Empty, StringComparison.Ordinal), out var isFloat);
                return value is not null && !isFloat
                    ? value
                    : throw Error(scalar, $"cannot decode {scalar.Value} as an !!int");
            }
            case YamlScalarResolver.FloatTag:
            {
                var value = YamlScalarResolver.TryNumber(scalar.Value.Replace("_", string.Empty, StringComparison.Ordinal), out _);
                return value ?? throw Error(scalar, $"cannot decode {scalar.Value} as a !!float");
            }
            default:
                // !!str, !!timestamp, !!binary and application tags keep their text.
                return JsonValue.Create(scalar.Value);
        }
    }
}
