using System.Text.Json.Nodes;
using Datum.Machinery.Schema;

namespace Datum.Machinery.Tests.Schema;

public class SchemaDefaultsTests
{
    private static readonly SchemaNode Schema = OpenApiSchemaReader.ReadTopLevel((JsonObject)JsonNode.Parse("""
        {"type":"object","properties":{
          "spec":{"type":"object","default":{},"properties":{
            "replicas":{"type":"integer","default":1},
            "color":{"type":"string","default":"red"},
            "nullable":{"type":"string","nullable":true,"default":"x"},
            "nested":{"type":"object","default":{"a":"given"},"properties":{"a":{"type":"string"},"b":{"type":"string","default":"b"}}},
            "ports":{"type":"array","items":{"type":"object","properties":{"port":{"type":"integer","default":80}}}},
            "byName":{"type":"object","additionalProperties":{"type":"object","properties":{"on":{"type":"boolean","default":true}}}}
          }}}}
        """)!);

    private static JsonObject Apply(string json)
    {
        var obj = (JsonObject)JsonNode.Parse(json)!;
        SchemaDefaults.Apply(obj, Schema);
        return obj;
    }

    [Fact]
    public void FillsMissingFieldsAndRecursesIntoDefaults()
    {
        var obj = Apply("""{"metadata":{"name":"a"}}""");
        Assert.Equal("""{"replicas":1,"color":"red","nullable":"x","nested":{"a":"given","b":"b"}}""", obj["spec"]!.ToJsonString());
    }

    [Fact]
    public void KeepsGivenValuesAndDefaultsNullOnlyWhereNullIsNotAllowed()
    {
        var obj = Apply("""{"spec":{"replicas":3,"color":null,"nullable":null,"nested":{"a":"mine","b":"mine"}}}""");
        Assert.Equal(3, obj["spec"]!["replicas"]!.GetValue<int>());
        Assert.Equal("red", obj["spec"]!["color"]!.GetValue<string>());
        Assert.Null(obj["spec"]!["nullable"]);
        Assert.Equal("""{"a":"mine","b":"mine"}""", obj["spec"]!["nested"]!.ToJsonString());
    }

    [Fact]
    public void DefaultsArrayItemsAndMapValues()
    {
        var obj = Apply("""{"spec":{"ports":[{},{"port":8080}],"byName":{"x":{},"y":{"on":false}}}}""");
        Assert.Equal("""[{"port":80},{"port":8080}]""", obj["spec"]!["ports"]!.ToJsonString());
        Assert.Equal("""{"x":{"on":true},"y":{"on":false}}""", obj["spec"]!["byName"]!.ToJsonString());
    }

    [Fact]
    public void SchemasWithoutDefaultsLeaveObjectsAlone()
    {
        Assert.False(SchemaDefaults.HasDefaults(CommonSchemas.ObjectMeta));
        var obj = (JsonObject)JsonNode.Parse("""{"metadata":{"name":"a"}}""")!;
        SchemaDefaults.Apply(obj, CommonSchemas.TopLevel("x", ("spec", SchemaBuilder.Object("s", ("a", SchemaBuilder.String())))));
        Assert.Equal("""{"metadata":{"name":"a"}}""", obj.ToJsonString());
        Assert.True(SchemaDefaults.HasDefaults(Schema));
    }
}
