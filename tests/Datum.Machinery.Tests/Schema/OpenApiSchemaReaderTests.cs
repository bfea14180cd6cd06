using System.Text.Json.Nodes;
using Datum.Machinery.Schema;

namespace Datum.Machinery.Tests.Schema;

public class OpenApiSchemaReaderTests
{
    private const string WidgetSchema = """
        {
          "type": "object",
          "description": "A widget.",
          "properties": {
            "spec": {
              "type": "object",
              "description": "Desired state.",
              "required": ["color"],
              "properties": {
                "replicas": {"type": "integer", "minimum": 0, "maximum": 10, "default": 1, "description": "How many."},
                "color": {"type": "string", "enum": ["red", "blue"], "default": "red"},
                "name": {"type": "string", "minLength": 2, "maxLength": 5, "pattern": "^[a-z]+$"},
                "port": {"x-kubernetes-int-or-string": true},
                "extra": {"type": "object", "x-kubernetes-preserve-unknown-fields": true},
                "labels": {"type": "object", "additionalProperties": {"type": "string"}},
                "tags": {"type": "array", "items": {"type": "string"}, "x-kubernetes-list-type": "set", "maxItems": 3},
                "ports": {"type": "array", "x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["name"],
                          "items": {"type": "object", "properties": {"name": {"type": "string"}, "port": {"type": "integer", "default": 80}}}},
                "note": {"type": "string", "nullable": true}
              }
            },
            "status": {"type": "object", "properties": {"replicas": {"type": "integer"}}}
          }
        }
        """;

    private static SchemaNode Read() => OpenApiSchemaReader.ReadTopLevel((JsonObject)JsonNode.Parse(WidgetSchema)!);

    [Fact]
    public void ConvertsKeywordsAndExtensions()
    {
        var schema = Read();
        Assert.Equal("object", schema.Type);
        Assert.Equal("A widget.", schema.Description);
        Assert.Same(CommonSchemas.ObjectMeta, schema.Properties!["metadata"]);
        Assert.Equal("string", schema.Properties["apiVersion"].Type);
        var spec = schema.Properties["spec"];
        Assert.Equal("Desired state.", spec.Description);
        Assert.Equal(["color"], spec.Required);
        var replicas = spec.Properties!["replicas"];
        Assert.Equal(("integer", 0d, 10d, "How many."), (replicas.Type, replicas.Minimum, replicas.Maximum, replicas.Description));
        Assert.Equal(1, replicas.Default!.GetValue<int>());
        Assert.Equal(["red", "blue"], spec.Properties["color"].Enum);
        var name = spec.Properties["name"];
        Assert.Equal((2, 5, "^[a-z]+$"), (name.MinLength, name.MaxLength, name.Pattern));
        Assert.True(spec.Properties["port"].IntOrString);
        Assert.True(spec.Properties["extra"].PreserveUnknownFields);
        Assert.Equal("string", spec.Properties["labels"].AdditionalProperties!.Type);
        Assert.Equal("set", spec.Properties["tags"].Extensions!["x-kubernetes-list-type"].ToString());
        Assert.Equal(3, spec.Properties["tags"].MaxItems);
        Assert.Equal("[\"name\"]", spec.Properties["ports"].Extensions!["x-kubernetes-list-map-keys"].ToJsonString());
        Assert.True(spec.Properties["note"].Nullable);
    }

    [Fact]
    public void ValidatesAgainstTheConvertedSchema()
    {
        var schema = Read();
        var obj = (JsonObject)JsonNode.Parse("""{"apiVersion":"x/v1","kind":"W","metadata":{"name":"a"},"spec":{"replicas":-1,"color":"green","name":"A","port":"http","extra":{"any":{"thing":1}},"bogus":1}}""")!;
        var result = SchemaCheck.Run(obj, schema);
        Assert.Equal(["spec.bogus"], result.UnknownFields);
        var messages = result.Errors.Select(e => e.ToString()).ToList();
        Assert.Contains("spec.replicas: Invalid value: -1: must be greater than or equal to 0", messages);
        Assert.Contains("spec.color: Unsupported value: \"green\": supported values: \"red\", \"blue\"", messages);
        Assert.Contains(messages, m => m.StartsWith("spec.name: Invalid value: \"A\": should match", StringComparison.Ordinal));
        Assert.NotNull(obj["spec"]!["extra"]!["any"]);
    }

    [Fact]
    public void ListTypesAndLengthsAreChecked()
    {
        var schema = Read();
        var obj = (JsonObject)JsonNode.Parse("""{"spec":{"name":"a","tags":["x","y","x","z"],"ports":[{"name":"a"},{"name":"a"}]}}""")!;
        var messages = SchemaListChecks.Run(obj, schema).Select(e => e.ToString()).ToList();
        Assert.Contains("spec.name: Invalid value: \"a\": should be at least 2 chars long", messages);
        Assert.Contains("spec.tags: Invalid value: 4: must have at most 3 items", messages);
        Assert.Contains("spec.tags[2]: Duplicate value: \"x\"", messages);
        Assert.Contains("spec.ports[1]: Duplicate value: {\"name\":\"a\"}", messages);
    }

    [Fact]
    public void StructuralChecksReportFieldPaths()
    {
        var schema = (JsonObject)JsonNode.Parse("""
            {"type":"object","properties":{
              "spec":{"properties":{"a":{"type":"array"},"b":{"type":"strin"},"c":{"type":"array","items":{"type":"string"},"x-kubernetes-list-type":"map"}}},
              "ok":{"x-kubernetes-preserve-unknown-fields":true}}}
            """)!;
        var messages = OpenApiSchemaReader.Check(schema, "spec.versions[0].schema.openAPIV3Schema").Select(e => e.ToString()).ToList();
        Assert.Contains("spec.versions[0].schema.openAPIV3Schema.properties[spec].type: Required value: must not be empty for specified object fields", messages);
        Assert.Contains("spec.versions[0].schema.openAPIV3Schema.properties[spec].properties[a].items: Required value: must be specified", messages);
        Assert.Contains(messages, m => m.StartsWith("spec.versions[0].schema.openAPIV3Schema.properties[spec].properties[b].type: Unsupported value: \"strin\"", StringComparison.Ordinal));
        Assert.Contains("spec.versions[0].schema.openAPIV3Schema.properties[spec].properties[c].x-kubernetes-list-map-keys: Required value: must not be empty if x-kubernetes-list-type is map", messages);
        Assert.Equal(4, messages.Count);
    }

    [Fact]
    public void RootMustBeAnObject()
    {
        var messages = OpenApiSchemaReader.Check(new JsonObject { ["type"] = "string" }, "s").Select(e => e.ToString()).ToList();
        Assert.Equal(["s.type: Invalid value: \"string\": must be object at the root"], messages);
    }
}
