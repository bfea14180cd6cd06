using System.Text.Json.Nodes;
using Datum.Machinery.Apply;
using Datum.Machinery.Schema;
using static Datum.Machinery.Schema.SchemaBuilder;

namespace Datum.Machinery.Tests.Apply;

public class FieldSetTests
{
    internal static readonly SchemaNode Schema = CommonSchemas.TopLevel("Test kind.",
        ("data", StringMap()),
        ("spec", Object("Spec.",
            ("ports", MapList(Object("Port.", ("name", String()), ("port", Integer()), ("protocol", String())), "name")),
            ("args", Array(String())),
            ("hosts", SetList(String())),
            ("selector", StringMap()),
            ("extra", Any()))));

    private static JsonObject Obj(string json) => JsonNode.Parse(json)!.AsObject();

    private static FieldSet Set(string json) => FieldSet.FromFieldsV1(JsonNode.Parse(json));

    private static void AssertSet(string expected, FieldSet actual) =>
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(expected), actual.ToFieldsV1()), actual.ToString());

    [Fact]
    public void FromObjectWritesFieldsV1ForMapsListsAndSets()
    {
        var set = SchemaFields.FromObject(Schema, Obj("""
            {"metadata":{"labels":{"app":"x"}},"data":{"key":"v"},
             "spec":{"ports":[{"name":"http","port":80}],"args":["a","b"],"hosts":["h1"],"extra":{"deep":{"x":[1]}}}}
            """));
        AssertSet("""
            {"f:data":{"f:key":{}},"f:metadata":{"f:labels":{"f:app":{}}},
             "f:spec":{"f:args":{},"f:extra":{"f:deep":{"f:x":{}}},"f:hosts":{"v:\"h1\"":{}},
               "f:ports":{"k:{\"name\":\"http\"}":{".":{},"f:name":{},"f:port":{}}}}}
            """, set);
    }

    [Fact]
    public void FieldsV1RoundTripsAndKeepsDotForMembersWithChildren()
    {
        const string json = """{"f:data":{".":{},"f:a":{}},"f:spec":{"f:ports":{"k:{\"name\":\"x\"}":{".":{},"f:port":{}}}}}""";
        var set = Set(json);
        Assert.True(set.Contains(["f:data"]));
        Assert.True(set.Contains(["f:data", "f:a"]));
        Assert.False(set.Contains(["f:spec"]));
        AssertSet(json, set);
        Assert.Throws<FormatException>(() => Set("""{"x:bad":{}}"""));
    }

    [Fact]
    public void UnionDifferenceIntersection()
    {
        var a = Set("""{"f:data":{"f:a":{},"f:b":{}}}""");
        var b = Set("""{"f:data":{"f:b":{},"f:c":{}},"f:spec":{"f:x":{}}}""");
        AssertSet("""{"f:data":{"f:a":{},"f:b":{},"f:c":{}},"f:spec":{"f:x":{}}}""", a.Union(b));
        AssertSet("""{"f:data":{"f:a":{}}}""", a.Difference(b));
        AssertSet("""{"f:data":{"f:b":{}}}""", a.Intersection(b));
        Assert.True(a.Difference(a).IsEmpty);
        Assert.Equal(Set("""{"f:data":{"f:b":{},"f:a":{}}}"""), a);
    }

    [Fact]
    public void CompareFindsAddedModifiedAndRemoved()
    {
        var before = Obj("""{"data":{"a":"1","b":"2"},"spec":{"ports":[{"name":"http","port":80},{"name":"x","port":1}],"args":["a"],"hosts":["h1","h2"]}}""");
        var after = Obj("""{"data":{"a":"1","b":"3","c":"4"},"spec":{"ports":[{"name":"http","port":81},{"name":"y","port":2}],"args":["b"],"hosts":["h1","h3"]}}""");
        var cmp = SchemaFields.Compare(Schema, before, after);
        AssertSet("""{"f:data":{"f:c":{}},"f:spec":{"f:hosts":{"v:\"h3\"":{}},"f:ports":{"k:{\"name\":\"y\"}":{".":{},"f:name":{},"f:port":{}}}}}""", cmp.Added);
        AssertSet("""{"f:data":{"f:b":{}},"f:spec":{"f:args":{},"f:ports":{"k:{\"name\":\"http\"}":{"f:port":{}}}}}""", cmp.Modified);
        AssertSet("""{"f:spec":{"f:hosts":{"v:\"h2\"":{}},"f:ports":{"k:{\"name\":\"x\"}":{".":{},"f:name":{},"f:port":{}}}}}""", cmp.Removed);
        Assert.True(SchemaFields.Compare(Schema, before, before).IsSame);
    }

    [Fact]
    public void AddedMapsAreMembersThemselves()
    {
        var cmp = SchemaFields.Compare(Schema, Obj("{}"), Obj("""{"data":{"k":"v"}}"""));
        AssertSet("""{"f:data":{".":{},"f:k":{}}}""", cmp.Added);
    }

    [Fact]
    public void ElementsOfStringKeysAreTheWritersJsonForEveryCharacter()
    {
        // Plain strings take a shortcut; it must spell what the JSON writer spells, escapes included.
        var characters = Enumerable.Range(0, 0x250).Select(c => ((char)c).ToString()).Append("\u2028").Append("a\"b").Append("ünï").Append("");
        foreach (var text in characters)
        {
            var buffer = new System.Buffers.ArrayBufferWriter<byte>();
            using (var writer = new System.Text.Json.Utf8JsonWriter(buffer, Datum.Machinery.Objects.JsonWriting.Options))
            {
                writer.WriteStringValue(text);
            }
            var json = System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
            Assert.Equal("v:" + json, FieldSet.Value(JsonValue.Create(text)));
            Assert.Equal("k:{\"type\":" + json + "}", FieldSet.Key(new JsonObject { ["type"] = text, ["other"] = 1 }, ["type"]));
            Assert.Equal("k:{\"type\":" + json + "}", FieldSet.Key(Obj("{\"type\":" + json + "}"), ["type"]));
        }
    }

    [Fact]
    public void SubsetLooksAtMemberPathsOnly()
    {
        var owned = Set("""{"f:status":{"f:conditions":{"k:{\"type\":\"Ready\"}":{".":{},"f:status":{}}}}}""");
        Assert.True(Set("""{"f:status":{"f:conditions":{"k:{\"type\":\"Ready\"}":{"f:status":{}}}}}""").IsSubsetOf(owned));
        Assert.True(new FieldSet().IsSubsetOf(owned));
        Assert.False(Set("""{"f:status":{"f:conditions":{"k:{\"type\":\"Ready\"}":{"f:reason":{}}}}}""").IsSubsetOf(owned));
        // status is a node of owned but not a member of it.
        Assert.False(Set("""{"f:status":{}}""").IsSubsetOf(owned));
        Assert.False(owned.IsSubsetOf(Set("""{"f:status":{"f:conditions":{}}}""").OnlySubtree("f:spec")));
    }

    [Fact]
    public void ComparisonSkipsTheFieldsItIsToldToSkipAndEqualSubtrees()
    {
        var skip = new FieldSet();
        skip.Insert(["f:metadata", "f:managedFields"]);
        var before = Obj("""{"metadata":{"labels":{"a":"1"},"managedFields":[{"manager":"x"}]},"spec":{"args":["a"],"hosts":["h1"]}}""");
        var after = Obj("""{"metadata":{"labels":{"a":"2"},"managedFields":[{"manager":"y"}]},"spec":{"args":["a"],"hosts":["h1","h2"]}}""");
        var comparison = SchemaFields.Compare(Schema, before, after, skip);
        AssertSet("""{"f:metadata":{"f:labels":{"f:a":{}}}}""", comparison.Modified);
        AssertSet("""{"f:spec":{"f:hosts":{"v:\"h2\"":{}}}}""", comparison.Added);
        Assert.True(comparison.Removed.IsEmpty);
        AssertSet("""{"f:metadata":{"f:labels":{"f:a":{}},"f:managedFields":{}}}""", SchemaFields.Compare(Schema, before, after).Modified);
    }

    [Fact]
    public void DescribePrintsPathsLikeKubernetes()
    {
        Assert.Equal(".data.key", FieldSet.Describe(["f:data", "f:key"]));
        Assert.Equal(""".spec.ports[name="http"].port""", FieldSet.Describe(["f:spec", "f:ports", """k:{"name":"http"}""", "f:port"]));
        Assert.Equal(""".spec.hosts[="h1"]""", FieldSet.Describe(["f:spec", "f:hosts", "v:\"h1\""]));
    }

    [Fact]
    public void OperationsShareSubtreesButNeverChangeTheirInputs()
    {
        const string aJson = """{"f:data":{"f:a":{},"f:b":{}},"f:metadata":{".":{},"f:labels":{"f:x":{}},"f:name":{}},"f:status":{"f:s":{}}}""";
        const string bJson = """{"f:data":{"f:b":{},"f:c":{}},"f:spec":{"f:x":{"f:y":{}}}}""";
        var a = Set(aJson);
        var b = Set(bJson);
        AssertSet("""{"f:data":{"f:a":{},"f:b":{},"f:c":{}},"f:metadata":{".":{},"f:labels":{"f:x":{}},"f:name":{}},"f:spec":{"f:x":{"f:y":{}}},"f:status":{"f:s":{}}}""", a.Union(b));
        AssertSet("""{"f:data":{"f:a":{}},"f:metadata":{".":{},"f:labels":{"f:x":{}},"f:name":{}},"f:status":{"f:s":{}}}""", a.Difference(b));
        AssertSet("""{"f:data":{"f:a":{},"f:b":{}},"f:metadata":{".":{},"f:labels":{"f:x":{}},"f:name":{}}}""", a.WithoutSubtree("f:status"));
        AssertSet("""{"f:data":{"f:a":{},"f:b":{}},"f:metadata":{".":{},"f:name":{}},"f:status":{"f:s":{}}}""", a.WithoutSubtree("f:metadata", "f:labels"));
        AssertSet("""{"f:status":{"f:s":{}}}""", a.OnlySubtree("f:status"));
        AssertSet("""{"f:data":{"f:a":{},"f:b":{}},"f:metadata":{"f:labels":{"f:x":{}}},"f:status":{"f:s":{}}}""", ManagedFields.WithoutSystemFields(a));
        Assert.Equal(Set(aJson), a);
        Assert.Equal(Set(bJson), b);
        // Disjoint sets: the difference is the set itself.
        Assert.Same(b, b.Difference(Set("""{"f:status":{"f:s":{}}}""")));
    }

    [Fact]
    public void SystemFieldsAreNotOwned()
    {
        var set = SchemaFields.FromObject(Schema, Obj("""
            {"apiVersion":"v1","kind":"X","metadata":{"name":"n","namespace":"d","uid":"u","resourceVersion":"1","labels":{"a":"b"},
             "managedFields":[{"manager":"m"}]}}
            """));
        AssertSet("""{"f:metadata":{"f:labels":{"f:a":{}}}}""", ManagedFields.WithoutSystemFields(set));
    }
}
