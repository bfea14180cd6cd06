using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Datum.Machinery.Objects;

namespace Datum.Machinery.Apply;

/// <summary>
/// A set of field paths in the <c>FieldsV1</c> shape of <c>metadata.managedFields</c>: a tree whose edges are path
/// elements (<c>f:name</c> for a field or map key, <c>k:{"name":"x"}</c> for an item of a map-list,
/// <c>v:"value"</c> for an item of a set-list, <c>i:3</c> for a list index) and whose nodes may themselves be members
/// (written <c>"."</c> when the node also has children). Sets are values: the operations return new sets, which
/// share unchanged subtrees with their inputs (every write computes several sets from the stored ones), so a set is
/// never changed once built: only the code building it (<see cref="Insert"/>, <see cref="Child"/>) changes it.
/// </summary>
public sealed class FieldSet : IEquatable<FieldSet>
{
    // Unordered: the set operations only look children up; the two outputs that show order (FieldsV1, Paths) sort.
    // Most nodes are leaves: their dictionary is only made when a child is added (writes compute several sets each).
    private Dictionary<string, FieldSet>? _children;

    // Read-only stand-in for a leaf's children; nothing ever adds to it (writes go through Writable).
    private static readonly Dictionary<string, FieldSet> s_none = new(StringComparer.Ordinal);

    // The FieldsV1 JSON, encoded on first use. A reference, so that two writes encoding the same cached set at once
    // each see a whole value.
    private EncodedFields? _fieldsV1;

    private sealed record EncodedFields(JsonElement Json);

    private Dictionary<string, FieldSet> Kids => _children ?? s_none;

    private Dictionary<string, FieldSet> Writable => _children ??= new Dictionary<string, FieldSet>(StringComparer.Ordinal);

    /// <summary>Whether the path leading to this node is itself in the set.</summary>
    public bool IsMember { get; private set; }

    /// <summary>The children by path element.</summary>
    public IReadOnlyDictionary<string, FieldSet> Children => Kids;

    /// <summary>True when no path below (or at) this node is a member.</summary>
    public bool IsEmpty
    {
        get
        {
            if (IsMember) return false;
            if (_children is null) return true;
            foreach (var child in _children.Values)
            {
                if (!child.IsEmpty) return false;
            }
            return true;
        }
    }

    /// <summary>The path element of a field or map key.</summary>
    public static string Field(string name) => "f:" + name;

    /// <summary>The path element of a map-list item, from the values of its <paramref name="keys"/>.</summary>
    public static string Key(JsonObject item, IReadOnlyList<string> keys)
    {
        // The usual map-list (conditions by type, ports by name): one key with a plain string value, which the writer
        // would copy as it is. Every write computes the element of each item of such lists on both sides.
        if (keys.Count == 1 && item[keys[0]] is JsonValue single && single.GetValueKind() == JsonValueKind.String &&
            single.GetValue<string>() is var text && IsPlain(keys[0]) && IsPlain(text))
        {
            return string.Concat("k:{\"", keys[0], "\":\"", text, "\"}");
        }
        // Written straight from the item (no copy of its key fields): the same JSON as an object of them in key order.
        IEnumerable<string> ordered = keys.Count == 1 ? keys : keys.Order(StringComparer.Ordinal);
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(64);
        using (var writer = new Utf8JsonWriter(buffer, JsonWriting.Options))
        {
            writer.WriteStartObject();
            foreach (var name in ordered)
            {
                if (item[name] is not { } value) continue;
                writer.WritePropertyName(name);
                value.WriteTo(writer);
            }
            writer.WriteEndObject();
        }
        return "k:" + Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>The path element of a set-list item.</summary>
    public static string Value(JsonNode? value) =>
        value is JsonValue v && v.GetValueKind() == JsonValueKind.String && v.GetValue<string>() is var text && IsPlain(text)
            ? string.Concat("v:\"", text, "\"")
            : "v:" + Compact(value);

    // Printable ASCII without quote and backslash: what JsonWriting's encoder writes unescaped.
    private static bool IsPlain(string text)
    {
        foreach (var c in text)
        {
            if (c < 0x20 || c > 0x7E || c == '"' || c == '\\') return false;
        }
        return true;
    }

    /// <summary>Adds <paramref name="path"/> (a sequence of path elements) to the set.</summary>
    public void Insert(IEnumerable<string> path) => Node(path).IsMember = true;

    /// <summary>Marks this node itself as a member.</summary>
    public void InsertSelf() => IsMember = true;

    /// <summary>The node at <paramref name="path"/>, created when missing.</summary>
    public FieldSet Node(IEnumerable<string> path)
    {
        var node = this;
        foreach (var element in path) node = node.Child(element);
        return node;
    }

    /// <summary>The child at <paramref name="element"/>, created when missing.</summary>
    public FieldSet Child(string element)
    {
        var children = Writable;
        if (!children.TryGetValue(element, out var child))
        {
            child = new FieldSet();
            children[element] = child;
        }
        return child;
    }

    /// <summary>Whether <paramref name="path"/> is a member.</summary>
    public bool Contains(IEnumerable<string> path)
    {
        var node = this;
        foreach (var element in path)
        {
            if (!node.Kids.TryGetValue(element, out node)) return false;
        }
        return node.IsMember;
    }

    /// <summary>Every path in this set or in <paramref name="other"/>.</summary>
    public FieldSet Union(FieldSet other)
    {
        if (other.IsEmpty) return this;
        if (IsEmpty) return other;
        var result = new FieldSet { IsMember = IsMember || other.IsMember };
        foreach (var (element, child) in Kids)
        {
            var merged = other.Kids.TryGetValue(element, out var theirs) ? child.Union(theirs) : child;
            if (!merged.IsEmpty) result.Writable[element] = merged;
        }
        foreach (var (element, child) in other.Kids)
        {
            if (!Kids.ContainsKey(element) && !child.IsEmpty) result.Writable[element] = child;
        }
        return result;
    }

    /// <summary>The paths of this set that are not in <paramref name="other"/>.</summary>
    public FieldSet Difference(FieldSet other)
    {
        var member = IsMember && !other.IsMember;
        List<(string Element, FieldSet Remaining)>? changed = null;
        if (_children is not null && other._children is not null)
        {
            foreach (var (element, child) in _children)
            {
                if (!other._children.TryGetValue(element, out var theirs)) continue;
                var rest = child.Difference(theirs);
                if (!ReferenceEquals(rest, child)) (changed ??= []).Add((element, rest));
            }
        }
        // Nothing of this set is in the other (the usual case): the set itself is the difference.
        if (changed is null && member == IsMember) return this;
        var result = Copy();
        result.IsMember = member;
        foreach (var (element, rest) in changed ?? [])
        {
            if (rest.IsEmpty) result._children!.Remove(element);
            else result._children![element] = rest;
        }
        return result;
    }

    /// <summary>The paths in both sets.</summary>
    public FieldSet Intersection(FieldSet other)
    {
        var result = new FieldSet { IsMember = IsMember && other.IsMember };
        if (_children is null) return result;
        foreach (var (element, child) in _children)
        {
            if (!other.Kids.TryGetValue(element, out var o)) continue;
            var both = child.Intersection(o);
            if (!both.IsEmpty) result.Writable[element] = both;
        }
        return result;
    }

    /// <summary>This set without <paramref name="path"/> and everything below it.</summary>
    public FieldSet WithoutSubtree(params string[] path)
    {
        if (path.Length == 0) return this;
        if (!Kids.TryGetValue(path[0], out var child)) return this;
        var rest = child.WithoutSubtree(path[1..]);
        if (path.Length > 1 && ReferenceEquals(rest, child)) return this;
        var result = Copy();
        if (path.Length == 1 || rest.IsEmpty) result._children!.Remove(path[0]);
        else result._children![path[0]] = rest;
        return result;
    }

    /// <summary>
    /// This set without the children <paramref name="elements"/>, and without the children <paramref name="inner"/> of
    /// its child <paramref name="parent"/>, which stops being a member itself (it is dropped when nothing is left in it).
    /// </summary>
    internal FieldSet Without(IReadOnlyList<string> elements, string parent, IReadOnlyList<string> inner)
    {
        var result = Copy();
        if (result._children is null) return result;
        foreach (var element in elements) result._children.Remove(element);
        if (result._children.TryGetValue(parent, out var child))
        {
            var trimmed = child.Copy();
            trimmed.IsMember = false;
            if (trimmed._children is not null)
            {
                foreach (var element in inner) trimmed._children.Remove(element);
            }
            if (trimmed.IsEmpty) result._children.Remove(parent);
            else result._children[parent] = trimmed;
        }
        return result;
    }

    // A new node with the same membership and (shared) children, for changing one level without touching this set.
    private FieldSet Copy() => new()
    {
        IsMember = IsMember,
        _children = _children is null ? null : new Dictionary<string, FieldSet>(_children, StringComparer.Ordinal),
    };

    /// <summary>Only the paths at and below the child <paramref name="element"/>.</summary>
    public FieldSet OnlySubtree(string element)
    {
        var result = new FieldSet();
        if (Kids.TryGetValue(element, out var child) && !child.IsEmpty) result.Writable[element] = child;
        return result;
    }

    /// <summary>The member paths, in order (a node before its children).</summary>
    public IEnumerable<IReadOnlyList<string>> Paths()
    {
        var prefix = new List<string>();
        return Walk(this, prefix);

        static IEnumerable<IReadOnlyList<string>> Walk(FieldSet node, List<string> prefix)
        {
            if (node.IsMember && prefix.Count > 0) yield return prefix.ToArray();
            foreach (var (element, child) in node.Sorted())
            {
                prefix.Add(element);
                foreach (var path in Walk(child, prefix)) yield return path;
                prefix.RemoveAt(prefix.Count - 1);
            }
        }
    }

    /// <summary>
    /// The <c>FieldsV1</c> JSON of the set: a new node over an encoding made once per set (sets do not change once
    /// built, and most managedFields entries are written again unchanged with every write of their object).
    /// </summary>
    public JsonObject ToFieldsV1()
    {
        var encoded = _fieldsV1 ??= new EncodedFields(EncodeFieldsV1());
        return JsonObject.Create(encoded.Json)!;
    }

    private JsonElement EncodeFieldsV1()
    {
        // A pooled buffer: the element keeps its own copy, so this costs one exact-size array, not a doubling series.
        using var buffer = new Objects.PooledBufferWriter();
        using (var writer = new Utf8JsonWriter(buffer, JsonWriting.Options))
        {
            WriteFieldsV1(writer, root: true);
        }
        var reader = new Utf8JsonReader(buffer.WrittenSpan);
        return JsonElement.ParseValue(ref reader);
    }

    // An object of the children in order, led by "." when this node is a member that also has children.
    private void WriteFieldsV1(Utf8JsonWriter writer, bool root)
    {
        writer.WriteStartObject();
        var children = Sorted();
        if (!root && IsMember && children.Exists(c => !c.Value.IsEmpty))
        {
            writer.WritePropertyName(".");
            writer.WriteStartObject();
            writer.WriteEndObject();
        }
        foreach (var (element, child) in children)
        {
            if (child.IsEmpty) continue;
            writer.WritePropertyName(element);
            child.WriteFieldsV1(writer, root: false);
        }
        writer.WriteEndObject();
    }

    /// <summary>Parses <c>FieldsV1</c> JSON; <see cref="FormatException"/> when it is not well-formed.</summary>
    public static FieldSet FromFieldsV1(JsonNode? json)
    {
        if (json is not JsonObject obj) throw new FormatException("fieldsV1 must be a JSON object");
        var result = new FieldSet();
        foreach (var (element, value) in obj)
        {
            if (element == ".")
            {
                result.IsMember = true;
                continue;
            }
            if (element.Length < 2 || element[1] != ':' || element[0] is not ('f' or 'k' or 'v' or 'i'))
            {
                throw new FormatException($"unknown path element \"{element}\" in fieldsV1");
            }
            var child = FromFieldsV1(value);
            if (child._children is null) child.IsMember = true;
            result.Writable[element] = child;
        }
        return result;
    }

    /// <summary>A path as Kubernetes prints it in conflicts: <c>.data.key</c>, <c>.spec.ports[name="http"].port</c>, <c>.metadata.finalizers[="x"]</c>.</summary>
    public static string Describe(IEnumerable<string> path)
    {
        var text = new StringBuilder();
        foreach (var element in path)
        {
            var body = element[2..];
            switch (element[0])
            {
                case 'f':
                    text.Append('.').Append(body);
                    break;
                case 'v':
                    text.Append("[=").Append(body).Append(']');
                    break;
                case 'i':
                    text.Append('[').Append(body).Append(']');
                    break;
                default:
                    text.Append('[');
                    try
                    {
                        var first = true;
                        foreach (var (name, value) in JsonNode.Parse(body)!.AsObject())
                        {
                            if (!first) text.Append(',');
                            first = false;
                            text.Append(name).Append('=').Append(Compact(value));
                        }
                    }
                    catch (Exception e) when (e is JsonException or InvalidOperationException)
                    {
                        text.Append(body);
                    }
                    text.Append(']');
                    break;
            }
        }
        return text.ToString();
    }

    /// <inheritdoc/>
    public bool Equals(FieldSet? other)
    {
        if (other is null) return false;
        if (ReferenceEquals(this, other)) return true;
        if (IsMember != other.IsMember) return false;
        var count = 0;
        foreach (var (element, child) in Kids)
        {
            if (child.IsEmpty) continue;
            count++;
            if (!other.Kids.TryGetValue(element, out var theirs) || !child.Equals(theirs)) return false;
        }
        foreach (var child in other.Kids.Values)
        {
            if (!child.IsEmpty) count--;
        }
        return count == 0;
    }

    /// <summary>Whether every path of this set is also in <paramref name="other"/> (without building anything).</summary>
    public bool IsSubsetOf(FieldSet other)
    {
        if (IsMember && !other.IsMember) return false;
        if (_children is null) return true;
        foreach (var (element, child) in _children)
        {
            if (other.Kids.TryGetValue(element, out var theirs))
            {
                if (!child.IsSubsetOf(theirs)) return false;
            }
            else if (!child.IsEmpty)
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>Whether any path is in both sets (what <see cref="Intersection"/> would find, without building it).</summary>
    public bool Overlaps(FieldSet other)
    {
        if (IsMember && other.IsMember) return true;
        if (_children is null || other._children is null) return false;
        var (small, large) = _children.Count <= other._children.Count ? (_children, other._children) : (other._children, _children);
        foreach (var (element, child) in small)
        {
            if (large.TryGetValue(element, out var theirs) && child.Overlaps(theirs)) return true;
        }
        return false;
    }

    private List<KeyValuePair<string, FieldSet>> Sorted()
    {
        var list = new List<KeyValuePair<string, FieldSet>>(Kids);
        list.Sort(static (a, b) => string.CompareOrdinal(a.Key, b.Key));
        return list;
    }

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is FieldSet other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => ToFieldsV1().ToJsonString().GetHashCode(StringComparison.Ordinal);

    /// <inheritdoc/>
    public override string ToString() => ToFieldsV1().ToJsonString();

    private static string Compact(JsonNode? value)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(64);
        using (var writer = new Utf8JsonWriter(buffer, JsonWriting.Options))
        {
            if (value is null) writer.WriteNullValue();
            else value.WriteTo(writer);
        }
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}
