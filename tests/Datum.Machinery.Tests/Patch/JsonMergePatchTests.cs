using System.Text.Json.Nodes;
using Datum.Machinery.Patch;

namespace Datum.Machinery.Tests.Patch;

public class JsonMergePatchTests
{
    // The test vectors of RFC 7386 appendix A.
    [Theory]
    [InlineData("""{"a":"b"}""", """{"a":"c"}""", """{"a":"c"}""")]
    [InlineData("""{"a":"b"}""", """{"b":"c"}""", """{"a":"b","b":"c"}""")]
    [InlineData("""{"a":"b"}""", """{"a":null}""", """{}""")]
    [InlineData("""{"a":"b","b":"c"}""", """{"a":null}""", """{"b":"c"}""")]
    [InlineData("""{"a":["b"]}""", """{"a":"c"}""", """{"a":"c"}""")]
    [InlineData("""{"a":"c"}""", """{"a":["b"]}""", """{"a":["b"]}""")]
    [InlineData("""{"a":{"b":"c"}}""", """{"a":{"b":"d","c":null}}""", """{"a":{"b":"d"}}""")]
    [InlineData("""{"a":[{"b":"c"}]}""", """{"a":[1]}""", """{"a":[1]}""")]
    [InlineData("""["a","b"]""", """["c","d"]""", """["c","d"]""")]
    [InlineData("""{"a":"b"}""", """["c"]""", """["c"]""")]
    [InlineData("""{"a":"foo"}""", "null", "null")]
    [InlineData("""{"a":"foo"}""", "\"bar\"", "\"bar\"")]
    [InlineData("""{"e":null}""", """{"a":1}""", """{"e":null,"a":1}""")]
    [InlineData("""[1,2]""", """{"a":"b","c":null}""", """{"a":"b"}""")]
    [InlineData("""{}""", """{"a":{"bb":{"ccc":null}}}""", """{"a":{"bb":{}}}""")]
    public void FollowsRfc7386Examples(string target, string patch, string expected)
    {
        var result = JsonMergePatch.Apply(JsonNode.Parse(target), JsonNode.Parse(patch));
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(expected), result), result?.ToJsonString() ?? "null");
    }

    [Fact]
    public void DoesNotMutateInputs()
    {
        var target = JsonNode.Parse("""{"metadata":{"labels":{"a":"1","b":"2"}},"data":{"x":"y"}}""");
        var patch = JsonNode.Parse("""{"metadata":{"labels":{"a":null,"c":"3"}},"data":{"z":{"deep":true}}}""");
        var targetBefore = target!.ToJsonString();
        var patchBefore = patch!.ToJsonString();

        var result = JsonMergePatch.Apply(target, patch)!;

        Assert.Equal(targetBefore, target.ToJsonString());
        Assert.Equal(patchBefore, patch.ToJsonString());
        Assert.Equal("""{"metadata":{"labels":{"b":"2","c":"3"}},"data":{"x":"y","z":{"deep":true}}}""", result.ToJsonString());

        // The result shares no nodes with the patch.
        result["data"]!["z"]!["deep"] = false;
        Assert.Equal(patchBefore, patch.ToJsonString());
    }

    [Fact]
    public void NullTargetIsTreatedAsEmptyObject()
    {
        var result = JsonMergePatch.Apply(null, JsonNode.Parse("""{"a":{"b":null,"c":1}}"""));
        Assert.Equal("""{"a":{"c":1}}""", result!.ToJsonString());
    }

    [Fact]
    public void PreservesKeyOrderOfTarget()
    {
        var result = JsonMergePatch.Apply(
            JsonNode.Parse("""{"a":{"x":1},"b":2,"c":3}"""),
            JsonNode.Parse("""{"a":{"y":2},"b":5}"""));
        Assert.Equal("""{"a":{"x":1,"y":2},"b":5,"c":3}""", result!.ToJsonString());
    }
}
