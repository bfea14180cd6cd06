using System.Text.Json.Nodes;
using Datum.Machinery.Patch;

namespace Datum.Machinery.Tests.Patch;

public class StrategicMergePatchTests
{
    private static readonly StrategicMergeSchema Meta = StrategicMergeSchema.ForObjectMeta();

    private static JsonNode Apply(string original, string patch, StrategicMergeSchema? schema = null) =>
        StrategicMergePatch.Apply(JsonNode.Parse(original)!, JsonNode.Parse(patch)!, schema ?? Meta);

    private static void AssertJson(string expected, JsonNode actual) =>
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(expected), actual), actual.ToJsonString());

    private const string ConfigMap = """
        {"apiVersion":"v1","kind":"ConfigMap",
         "metadata":{"name":"cfg","namespace":"default","resourceVersion":"7",
           "annotations":{"kubectl.kubernetes.io/last-applied-configuration":"{\"old\":true}\n","keep":"me"}},
         "data":{"a":"b","x":"y"}}
        """;

    [Fact]
    public void KubectlApplyChangesDataAndLastApplied()
    {
        var result = Apply(ConfigMap, """
            {"data":{"a":"c"},"metadata":{"annotations":{"kubectl.kubernetes.io/last-applied-configuration":"{\"new\":true}\n"}}}
            """);
        AssertJson("""
            {"apiVersion":"v1","kind":"ConfigMap",
             "metadata":{"name":"cfg","namespace":"default","resourceVersion":"7",
               "annotations":{"kubectl.kubernetes.io/last-applied-configuration":"{\"new\":true}\n","keep":"me"}},
             "data":{"a":"c","x":"y"}}
            """, result);
    }

    [Fact]
    public void NullRemovesKeysAtAnyDepth()
    {
        var result = Apply(ConfigMap, """{"data":{"x":null,"n":"1"},"metadata":{"annotations":{"keep":null}}}""");
        Assert.Equal("""{"a":"b","n":"1"}""", result["data"]!.ToJsonString());
        Assert.Equal(["kubectl.kubernetes.io/last-applied-configuration"], result["metadata"]!["annotations"]!.AsObject().Select(p => p.Key));
        Assert.Null(Apply(ConfigMap, """{"data":null}""")["data"]);
    }

    [Fact]
    public void NullsInsideNewMapsAreDropped()
    {
        var result = Apply("""{"metadata":{"name":"a"}}""", """{"metadata":{"labels":{"x":"1","y":null}},"data":{"k":null}}""");
        AssertJson("""{"metadata":{"name":"a","labels":{"x":"1"}},"data":{}}""", result);
    }

    [Fact]
    public void DoesNotMutateInputs()
    {
        var original = JsonNode.Parse(ConfigMap)!;
        var patch = JsonNode.Parse("""{"data":{"a":null,"z":{"deep":1}},"metadata":{"finalizers":["f"]}}""")!;
        var before = (original.ToJsonString(), patch.ToJsonString());
        var result = StrategicMergePatch.Apply(original, patch, Meta);
        Assert.Equal(before, (original.ToJsonString(), patch.ToJsonString()));
        result["data"]!["z"]!["deep"] = 2;
        Assert.Equal(before.Item2, patch.ToJsonString());
    }

    [Fact]
    public void MapPatchReplaceDirectiveReplacesTheMap()
    {
        var result = Apply(ConfigMap, """{"data":{"$patch":"replace","only":"this"}}""");
        Assert.Equal("""{"only":"this"}""", result["data"]!.ToJsonString());
    }

    [Fact]
    public void MapPatchDeleteDirectiveEmptiesTheMap()
    {
        var result = Apply(ConfigMap, """{"data":{"$patch":"delete"}}""");
        Assert.Equal("{}", result["data"]!.ToJsonString());
    }

    [Fact]
    public void MapPatchMergeDirectiveMerges()
    {
        var result = Apply(ConfigMap, """{"data":{"$patch":"merge","a":"z"}}""");
        Assert.Equal("""{"a":"z","x":"y"}""", result["data"]!.ToJsonString());
    }

    [Fact]
    public void RootReplaceDirective()
    {
        AssertJson("""{"kind":"ConfigMap"}""", Apply(ConfigMap, """{"$patch":"replace","kind":"ConfigMap"}"""));
    }

    [Fact]
    public void ListsWithoutRulesAreReplaced()
    {
        var result = Apply("""{"spec":{"finalizers":["a","b"]}}""", """{"spec":{"finalizers":["c"]}}""");
        Assert.Equal("""["c"]""", result["spec"]!["finalizers"]!.ToJsonString());
    }

    [Fact]
    public void FinalizersMergeAsASet()
    {
        var result = Apply("""{"metadata":{"finalizers":["a","b"]}}""", """{"metadata":{"finalizers":["b","c"]}}""");
        Assert.Equal("""["a","b","c"]""", result["metadata"]!["finalizers"]!.ToJsonString());
    }

    [Fact]
    public void KubectlSetElementOrderAndDeleteFromPrimitiveList()
    {
        // original [a,b]; the user's manifest now says [a,c]: kubectl sends all three parts.
        var result = Apply("""{"metadata":{"finalizers":["a","b"]}}""", """
            {"metadata":{"$deleteFromPrimitiveList/finalizers":["b"],"$setElementOrder/finalizers":["a","c"],"finalizers":["c"]}}
            """);
        Assert.Equal("""["a","c"]""", result["metadata"]!["finalizers"]!.ToJsonString());
    }

    [Fact]
    public void SetElementOrderReordersAndKeepsServerOnlyItemsInPlace()
    {
        var result = Apply(
            """{"metadata":{"finalizers":["a","server","b"]}}""",
            """{"metadata":{"$setElementOrder/finalizers":["b","a"]}}""");
        // "server" stood before "b" in the original, so it stays ahead of it.
        Assert.Equal("""["server","b","a"]""", result["metadata"]!["finalizers"]!.ToJsonString());
    }

    [Fact]
    public void DeleteFromPrimitiveListAlone()
    {
        var result = Apply("""{"metadata":{"finalizers":["a","b","c"]}}""", """{"metadata":{"$deleteFromPrimitiveList/finalizers":["b","zzz"]}}""");
        Assert.Equal("""["a","c"]""", result["metadata"]!["finalizers"]!.ToJsonString());
        var untouched = Apply("""{"metadata":{}}""", """{"metadata":{"$deleteFromPrimitiveList/finalizers":["b"]}}""");
        Assert.Equal("{}", untouched["metadata"]!.ToJsonString());
    }

    private const string Owned = """
        {"metadata":{"name":"x","ownerReferences":[
          {"apiVersion":"v1","kind":"ConfigMap","name":"one","uid":"u1"},
          {"apiVersion":"v1","kind":"ConfigMap","name":"two","uid":"u2","controller":true}]}}
        """;

    [Fact]
    public void OwnerReferencesMergeByUid()
    {
        var result = Apply(Owned, """
            {"metadata":{"ownerReferences":[{"uid":"u2","controller":false,"blockOwnerDeletion":true},
                                            {"apiVersion":"v1","kind":"Secret","name":"three","uid":"u3"}]}}
            """);
        AssertJson("""
            [{"apiVersion":"v1","kind":"ConfigMap","name":"one","uid":"u1"},
             {"apiVersion":"v1","kind":"ConfigMap","name":"two","uid":"u2","controller":false,"blockOwnerDeletion":true},
             {"apiVersion":"v1","kind":"Secret","name":"three","uid":"u3"}]
            """, result["metadata"]!["ownerReferences"]!);
    }

    [Fact]
    public void OwnerReferenceDeleteDirectiveRemovesByUid()
    {
        var result = Apply(Owned, """{"metadata":{"ownerReferences":[{"$patch":"delete","uid":"u1"}]}}""");
        var refs = result["metadata"]!["ownerReferences"]!.AsArray();
        Assert.Equal("u2", Assert.Single(refs)!["uid"]!.GetValue<string>());
    }

    [Fact]
    public void ListReplaceDirectiveReplacesTheList()
    {
        var result = Apply(Owned, """{"metadata":{"ownerReferences":[{"$patch":"replace"},{"apiVersion":"v1","kind":"Pod","name":"p","uid":"u9"}]}}""");
        AssertJson("""[{"apiVersion":"v1","kind":"Pod","name":"p","uid":"u9"}]""", result["metadata"]!["ownerReferences"]!);
    }

    [Fact]
    public void SetElementOrderForObjectListsUsesMergeKey()
    {
        var result = Apply(Owned, """
            {"metadata":{"$setElementOrder/ownerReferences":[{"uid":"u2"},{"uid":"u1"}],"ownerReferences":[{"uid":"u1","name":"renamed"}]}}
            """);
        var refs = result["metadata"]!["ownerReferences"]!.AsArray();
        Assert.Equal(["u2", "u1"], refs.Select(r => r!["uid"]!.GetValue<string>()));
        Assert.Equal("renamed", refs[1]!["name"]!.GetValue<string>());
    }

    [Fact]
    public void NestedListsUseTheirOwnPath()
    {
        var schema = Meta.WithList("spec.template.spec.containers", new ListRule("name", false))
            .WithList("spec.template.spec.containers.env", new ListRule("name", false));
        var result = Apply("""
            {"spec":{"template":{"spec":{"containers":[
              {"name":"app","image":"app:1","env":[{"name":"A","value":"1"},{"name":"B","value":"2"}]},
              {"name":"sidecar","image":"proxy:1"}]}}}}
            """, """
            {"spec":{"template":{"spec":{"containers":[{"name":"app","image":"app:2","env":[{"name":"B","value":"3"}]}]}}}}
            """, schema);
        AssertJson("""
            [{"name":"app","image":"app:2","env":[{"name":"A","value":"1"},{"name":"B","value":"3"}]},
             {"name":"sidecar","image":"proxy:1"}]
            """, result["spec"]!["template"]!["spec"]!["containers"]!);
    }

    [Fact]
    public void RetainKeysDropsUnlistedFields()
    {
        var schema = Meta.WithRetainKeys("spec.strategy");
        Assert.True(schema.HasRetainKeys("spec.strategy"));
        var result = Apply("""
            {"spec":{"strategy":{"type":"RollingUpdate","rollingUpdate":{"maxSurge":1}}}}
            """, """
            {"spec":{"strategy":{"$retainKeys":["type"],"type":"Recreate"}}}
            """, schema);
        Assert.Equal("""{"type":"Recreate"}""", result["spec"]!["strategy"]!.ToJsonString());
    }

    [Fact]
    public void TypeChangesTakeThePatchValue()
    {
        var result = Apply("""{"a":{"b":1},"c":[1],"d":"s"}""", """{"a":"now a string","c":{"x":null,"y":1},"d":[1]}""");
        AssertJson("""{"a":"now a string","c":{"y":1},"d":[1]}""", result);
    }

    [Fact]
    public void SchemaIsImmutable()
    {
        var basic = StrategicMergeSchema.ForObjectMeta();
        var extended = basic.WithList("secrets", new ListRule("name", false));
        Assert.Null(basic.ListAt("secrets"));
        Assert.Equal(new ListRule("name", false), extended.ListAt("secrets"));
        Assert.Equal(new ListRule("uid", false), extended.ListAt("metadata.ownerReferences"));
        Assert.Null(StrategicMergeSchema.Empty.ListAt("metadata.finalizers"));
    }

    [Theory]
    [InlineData("""{"metadata":{"ownerReferences":[{"name":"no-uid"}]}}""", "merge key \"uid\"")]
    [InlineData("""{"metadata":{"ownerReferences":[{"$patch":"delete","name":"x"}]}}""", "merge key \"uid\"")]
    [InlineData("""{"data":{"$patch":"explode"}}""", "unknown $patch directive \"explode\" at data")]
    [InlineData("""{"data":{"$patch":1}}""", "must be a string")]
    [InlineData("""{"metadata":{"$retainKeys":"name"}}""", "$retainKeys at metadata")]
    [InlineData("""{"metadata":{"$setElementOrder/finalizers":"a"}}""", "must be a list")]
    [InlineData("""{"metadata":{"$deleteFromPrimitiveList/finalizers":"a"}}""", "must be a list")]
    [InlineData("""{"metadata":{"ownerReferences":["u1"]}}""", "mixes objects")]
    public void RejectsMalformedPatches(string patch, string fragment)
    {
        var e = Assert.Throws<PatchException>(() => Apply(Owned, patch));
        Assert.Equal(PatchErrorKind.Malformed, e.Kind);
        Assert.Contains(fragment, e.Message);
    }

    [Fact]
    public void RejectsNonObjects()
    {
        Assert.Throws<PatchException>(() => StrategicMergePatch.Apply(new JsonArray(), new JsonObject(), Meta));
        Assert.Throws<PatchException>(() => StrategicMergePatch.Apply(new JsonObject(), new JsonArray(), Meta));
    }
}
