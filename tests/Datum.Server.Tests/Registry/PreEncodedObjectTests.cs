using System.Text;
using System.Text.Json.Nodes;
using Datum.Server.Registry;
using Xunit;

namespace Datum.Server.Tests.Registry;

/// <summary>The bytes a write stores are the same whether the object is encoded in the writer or before it.</summary>
public sealed class PreEncodedObjectTests
{
    [Theory]
    [InlineData("""{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a","resourceVersion":"17","uid":"u"},"data":{"k":"v"}}""")]
    [InlineData("""{"metadata":{"name":"no-rv","labels":{"x":"y"}},"spec":{"n":null,"list":[1,"two",{"three":3}]}}""")]
    [InlineData("""{"kind":"K","metadata":{"name":"esc\u00e9\"q","annotations":{"note":"line\nbreak <tag> & \u2028"}}}""")]
    [InlineData("""{"kind":"K","metadata":{"resourceVersion":null,"name":"null-rv"}}""")]
    public void Encodes_the_bytes_EncodeAt_would_with_the_revision_in_its_place(string json)
    {
        foreach (var revision in new long[] { 0, 7, 1234567890123 })
        {
            var expected = ObjectEncoding.EncodeAt((JsonObject)JsonNode.Parse(json)!, revision);
            var actual = PreEncodedObject.Encode((JsonObject)JsonNode.Parse(json)!).At(revision);
            Assert.Equal(Encoding.UTF8.GetString(expected), Encoding.UTF8.GetString(actual));
        }
    }

    [Fact]
    public void One_encoding_gives_independent_bytes_per_revision()
    {
        var encoded = PreEncodedObject.Encode(new JsonObject { ["metadata"] = new JsonObject { ["name"] = "a" } });
        var first = encoded.At(5);
        var second = encoded.At(60);
        Assert.Equal("""{"metadata":{"name":"a","resourceVersion":"5"}}""", Encoding.UTF8.GetString(first));
        Assert.Equal("""{"metadata":{"name":"a","resourceVersion":"60"}}""", Encoding.UTF8.GetString(second));
    }
}
