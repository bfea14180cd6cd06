using System.Text.Json.Nodes;
using Datum.Machinery.Patch;

namespace Datum.Machinery.Tests.Patch;

public class JsonPatchTests
{
    private static string Apply(string document, string patch) =>
        JsonPatch.Apply(JsonNode.Parse(document), JsonNode.Parse(patch))?.ToJsonString() ?? "null";

    private static PatchException Fails(string document, string patch) =>
        Assert.Throws<PatchException>(() => JsonPatch.Apply(JsonNode.Parse(document), JsonNode.Parse(patch)));

    // Examples from RFC 6902 appendix A.
    [Theory]
    [InlineData("""{"foo":"bar"}""", """[{"op":"add","path":"/baz","value":"qux"}]""", """{"foo":"bar","baz":"qux"}""")]
    [InlineData("""{"foo":["bar","baz"]}""", """[{"op":"add","path":"/foo/1","value":"qux"}]""", """{"foo":["bar","qux","baz"]}""")]
    [InlineData("""{"baz":"qux","foo":"bar"}""", """[{"op":"remove","path":"/baz"}]""", """{"foo":"bar"}""")]
    [InlineData("""{"foo":["bar","qux","baz"]}""", """[{"op":"remove","path":"/foo/1"}]""", """{"foo":["bar","baz"]}""")]
    [InlineData("""{"baz":"qux","foo":"bar"}""", """[{"op":"replace","path":"/baz","value":"boo"}]""", """{"baz":"boo","foo":"bar"}""")]
    [InlineData("""{"foo":{"bar":"baz","waldo":"fred"},"qux":{"corge":"grault"}}""", """[{"op":"move","from":"/foo/waldo","path":"/qux/thud"}]""", """{"foo":{"bar":"baz"},"qux":{"corge":"grault","thud":"fred"}}""")]
    [InlineData("""{"foo":["all","grass","cows","eat"]}""", """[{"op":"move","from":"/foo/1","path":"/foo/3"}]""", """{"foo":["all","cows","eat","grass"]}""")]
    [InlineData("""{"foo":"bar"}""", """[{"op":"add","path":"/child","value":{"grandchild":{}}}]""", """{"foo":"bar","child":{"grandchild":{}}}""")]
    [InlineData("""{"foo":"bar"}""", """[{"op":"add","path":"/baz","value":"qux","xyz":123}]""", """{"foo":"bar","baz":"qux"}""")]
    [InlineData("""{"foo":["bar"]}""", """[{"op":"add","path":"/foo/-","value":["abc","def"]}]""", """{"foo":["bar",["abc","def"]]}""")]
    [InlineData("""{"/":9,"~1":10}""", """[{"op":"test","path":"/~01","value":10}]""", """{"/":9,"~1":10}""")]
    [InlineData("""{"baz":"qux","foo":["a",2,"c"]}""", """[{"op":"test","path":"/baz","value":"qux"},{"op":"test","path":"/foo/1","value":2}]""", """{"baz":"qux","foo":["a",2,"c"]}""")]
    public void FollowsRfc6902Examples(string document, string patch, string expected)
    {
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(expected), JsonNode.Parse(Apply(document, patch))), Apply(document, patch));
    }

    [Fact]
    public void HandlesKubernetesAnnotationKeysWithSlashes()
    {
        var result = Apply(
            """{"metadata":{"annotations":{"example.com/owner":"a"}}}""",
            """[{"op":"replace","path":"/metadata/annotations/example.com~1owner","value":"b"},{"op":"add","path":"/metadata/annotations/x~0y","value":"c"}]""");
        Assert.Equal("""{"metadata":{"annotations":{"example.com/owner":"b","x~y":"c"}}}""", result);
    }

    [Fact]
    public void CopyDuplicatesIndependentValue()
    {
        var result = JsonPatch.Apply(
            JsonNode.Parse("""{"a":{"b":1}}"""),
            JsonNode.Parse("""[{"op":"copy","from":"/a","path":"/c"},{"op":"replace","path":"/c/b","value":2}]"""));
        Assert.Equal("""{"a":{"b":1},"c":{"b":2}}""", result!.ToJsonString());
    }

    [Fact]
    public void ReplaceAndAddAtRootSwapTheDocument()
    {
        Assert.Equal("[1]", Apply("""{"a":1}""", """[{"op":"replace","path":"","value":[1]}]"""));
        Assert.Equal("""{"b":2}""", Apply("""{"a":1}""", """[{"op":"add","path":"","value":{"b":2}}]"""));
    }

    [Fact]
    public void TestSupportsNullAndDeepValues()
    {
        Assert.Equal("""{"a":null}""", Apply("""{"a":null}""", """[{"op":"test","path":"/a","value":null}]"""));
        Apply("""{"a":{"x":[1,{"y":2}]}}""", """[{"op":"test","path":"/a","value":{"x":[1,{"y":2}]}}]""");
    }

    [Fact]
    public void DoesNotMutateInputsAndIsAllOrNothing()
    {
        var document = JsonNode.Parse("""{"a":1}""")!;
        var patch = JsonNode.Parse("""[{"op":"add","path":"/b","value":{"c":1}},{"op":"test","path":"/a","value":2}]""")!;
        Assert.Throws<PatchException>(() => JsonPatch.Apply(document, patch));
        Assert.Equal("""{"a":1}""", document.ToJsonString());

        var ok = JsonNode.Parse("""[{"op":"add","path":"/b","value":{"c":1}}]""")!;
        var result = JsonPatch.Apply(document, ok)!;
        result["b"]!["c"] = 5;
        Assert.Equal("""[{"op":"add","path":"/b","value":{"c":1}}]""", ok.ToJsonString());
        Assert.Equal("""{"a":1}""", document.ToJsonString());
    }

    [Theory]
    [InlineData("""{"a":1}""", """[{"op":"test","path":"/a","value":2}]""", "operation 0 (test /a): test failed")]
    [InlineData("""{"a":1}""", """[{"op":"remove","path":"/b"}]""", "operation 0 (remove /b): path /b does not exist")]
    [InlineData("""{"a":1}""", """[{"op":"replace","path":"/b","value":1}]""", "path /b does not exist")]
    [InlineData("""{"a":1}""", """[{"op":"add","path":"/x/y","value":1}]""", "the parent of /x/y does not exist")]
    [InlineData("""{"a":[1]}""", """[{"op":"add","path":"/a/5","value":1}]""", "array index 5 is out of range")]
    [InlineData("""{"a":[1]}""", """[{"op":"add","path":"/a/01","value":1}]""", "array index 01 is out of range")]
    [InlineData("""{"a":[1]}""", """[{"op":"remove","path":"/a/1"}]""", "out of range")]
    [InlineData("""{"a":{"b":1}}""", """[{"op":"move","from":"/a","path":"/a/b/c"}]""", "into its own child")]
    [InlineData("""{"a":1}""", """[{"op":"copy","from":"/zz","path":"/b"}]""", "from /zz does not exist")]
    [InlineData("""{"a":"s"}""", """[{"op":"add","path":"/a/b","value":1}]""", "is not an object or array")]
    [InlineData("""{"a":1}""", """[{"op":"test","path":"/a","value":1},{"op":"remove","path":"/q"}]""", "operation 1 (remove /q)")]
    public void ReportsFailuresAs422(string document, string patch, string fragment)
    {
        var e = Fails(document, patch);
        Assert.Equal(PatchErrorKind.Failed, e.Kind);
        Assert.Contains(fragment, e.Message);
    }

    [Theory]
    [InlineData("""{"op":"add","path":"/a","value":1}""", "must be a JSON array")]
    [InlineData("""[1]""", "operation 0 is not an object")]
    [InlineData("""[{"path":"/a"}]""", "missing \"op\"")]
    [InlineData("""[{"op":"add","value":1}]""", "missing \"path\"")]
    [InlineData("""[{"op":"add","path":"/a"}]""", "missing \"value\"")]
    [InlineData("""[{"op":"move","path":"/a"}]""", "missing \"from\"")]
    [InlineData("""[{"op":"frobnicate","path":"/a"}]""", "unknown op \"frobnicate\"")]
    [InlineData("""[{"op":"add","path":"a","value":1}]""", "not a valid JSON pointer")]
    [InlineData("""[{"op":"add","path":"/a~2","value":1}]""", "not a valid JSON pointer")]
    [InlineData("""[{"op":"add","path":7,"value":1}]""", "\"path\" must be a string")]
    public void ReportsMalformedPatchesAs400(string patch, string fragment)
    {
        var e = Fails("""{"a":1}""", patch);
        Assert.Equal(PatchErrorKind.Malformed, e.Kind);
        Assert.Contains(fragment, e.Message);
    }
}
