using System.Text.Json.Nodes;
using Datum.Machinery.Yaml;

namespace Datum.Machinery.Tests.Yaml;

public class YamlJsonTests
{
    private static string Json(string yaml) => YamlJson.Parse(yaml)?.ToJsonString() ?? "null";

    private static string Value(string scalar) => Json("v: " + scalar);

    [Theory]
    [InlineData("true", "true")]
    [InlineData("True", "true")]
    [InlineData("TRUE", "true")]
    [InlineData("yes", "true")]
    [InlineData("Yes", "true")]
    [InlineData("on", "true")]
    [InlineData("ON", "true")]
    [InlineData("y", "true")]
    [InlineData("false", "false")]
    [InlineData("no", "false")]
    [InlineData("NO", "false")]
    [InlineData("off", "false")]
    [InlineData("n", "false")]
    [InlineData("tRUE", "\"tRUE\"")]
    [InlineData("yES", "\"yES\"")]
    public void ResolvesYaml11Booleans(string scalar, string json)
    {
        Assert.Equal($$"""{"v":{{json}}}""", Value(scalar));
    }

    [Theory]
    [InlineData("null")]
    [InlineData("Null")]
    [InlineData("NULL")]
    [InlineData("~")]
    [InlineData("")]
    public void ResolvesNulls(string scalar)
    {
        Assert.Equal("""{"v":null}""", Value(scalar));
    }

    [Theory]
    [InlineData("42", "42")]
    [InlineData("-17", "-17")]
    [InlineData("+5", "5")]
    [InlineData("0", "0")]
    [InlineData("0x1F", "31")]
    [InlineData("0o17", "15")]
    [InlineData("017", "15")]
    [InlineData("0b101", "5")]
    [InlineData("1_000_000", "1000000")]
    [InlineData("9223372036854775807", "9223372036854775807")]
    [InlineData("18446744073709551615", "18446744073709551615")]
    [InlineData("1.5", "1.5")]
    [InlineData("-0.25", "-0.25")]
    [InlineData(".5", "0.5")]
    [InlineData("1e3", "1000")]
    [InlineData("6.02e+23", "6.02E+23")]
    [InlineData("08", "8")]
    public void ResolvesNumbers(string scalar, string json)
    {
        Assert.Equal($$"""{"v":{{json}}}""", Value(scalar));
    }

    [Theory]
    [InlineData("hello")]
    [InlineData("1.2.3")]
    [InlineData("0x")]
    [InlineData("_1")]
    [InlineData("2024-05-01T10:00:00Z")]
    [InlineData("2024-05-01")]
    [InlineData("12:30")]
    [InlineData("v1")]
    [InlineData("1Gi")]
    [InlineData("0xZZ")]
    public void KeepsOtherPlainScalarsAsStrings(string scalar)
    {
        Assert.Equal($$"""{"v":"{{scalar}}"}""", Value(scalar));
    }

    [Theory]
    [InlineData("\"true\"", "true")]
    [InlineData("'yes'", "yes")]
    [InlineData("\"123\"", "123")]
    [InlineData("'null'", "null")]
    [InlineData("\"\"", "")]
    [InlineData("!!str 123", "123")]
    [InlineData("!!str true", "true")]
    [InlineData("! 12", "12")]
    public void QuotedAndStrTaggedScalarsAreStrings(string scalar, string text)
    {
        Assert.Equal(JsonValue.Create(text).ToJsonString(), YamlJson.Parse("v: " + scalar)!["v"]!.ToJsonString());
    }

    [Fact]
    public void HonoursExplicitTypeTags()
    {
        Assert.Equal("""{"a":5,"b":1.5,"c":true,"d":null}""", Json("a: !!int \"5\"\nb: !!float '1.5'\nc: !!bool \"yes\"\nd: !!null ''"));
        Assert.Throws<YamlFormatException>(() => YamlJson.Parse("a: !!int abc"));
    }

    [Fact]
    public void ConvertsBlockScalars()
    {
        var node = YamlJson.Parse("a: |\n  line1\n  line2\nb: >\n  folded\n  text\nc: |-\n  x\n");
        Assert.Equal("line1\nline2\n", node!["a"]!.GetValue<string>());
        Assert.Equal("folded text\n", node["b"]!.GetValue<string>());
        Assert.Equal("x", node["c"]!.GetValue<string>());
    }

    [Fact]
    public void ConvertsARealManifest()
    {
        const string yaml = """
            apiVersion: v1
            kind: ConfigMap
            metadata:
              name: game-config
              namespace: default
              labels:
                app: game
              annotations:
                enabled: "true"
            data:
              lives: "3"
              properties: |
                enemies=aliens

            """;
        var expected = JsonNode.Parse("""
            {"apiVersion":"v1","kind":"ConfigMap",
             "metadata":{"name":"game-config","namespace":"default","labels":{"app":"game"},"annotations":{"enabled":"true"}},
             "data":{"lives":"3","properties":"enemies=aliens\n"}}
            """);
        Assert.True(JsonNode.DeepEquals(expected, YamlJson.Parse(yaml)));
    }

    [Fact]
    public void KeepsDocumentOrderOfKeys()
    {
        Assert.Equal("""{"z":1,"a":2,"m":3}""", Json("z: 1\na: 2\nm: 3"));
    }

    [Fact]
    public void ConvertsFlowCollections()
    {
        Assert.Equal("""{"a":[1,"two",{"k":true}],"b":{}}""", Json("a: [1, two, {k: yes}]\nb: {}"));
    }

    [Fact]
    public void TopLevelScalarsAndSequences()
    {
        Assert.Equal("[1,2]", Json("- 1\n- 2"));
        Assert.Equal("\"hi\"", Json("hi"));
        Assert.Equal("null", Json(""));
        Assert.Null(YamlJson.Parse("# just a comment\n"));
    }

    [Theory]
    [InlineData("1: a", "1")]
    [InlineData("true: a", "true")]
    [InlineData("yes: a", "true")]
    [InlineData("0x10: a", "16")]
    [InlineData("1.5: a", "1.5")]
    [InlineData("1e6: a", "1e+06")]
    [InlineData("'1': a", "1")]
    [InlineData(".inf: a", ".inf")]
    public void StringifiesMapKeys(string yaml, string key)
    {
        var obj = YamlJson.Parse(yaml)!.AsObject();
        Assert.Equal(key, Assert.Single(obj).Key);
    }

    [Fact]
    public void RejectsKeysWithNoJsonForm()
    {
        Assert.Throws<YamlFormatException>(() => YamlJson.Parse("? [a, b]\n: c"));
        Assert.Throws<YamlFormatException>(() => YamlJson.Parse("~: c"));
    }

    [Fact]
    public void ResolvesAnchorsAliasesAndMergeKeys()
    {
        const string yaml = """
            base: &base
              image: nginx
              ports: [80]
            other: &o {tier: web}
            a: *base
            b:
              <<: *base
              image: redis
            c:
              <<: [*o, *base]
              tier: db
            """;
        var node = YamlJson.Parse(yaml)!;
        Assert.Equal("""{"image":"nginx","ports":[80]}""", node["a"]!.ToJsonString());
        Assert.Equal("""{"image":"redis","ports":[80]}""", node["b"]!.ToJsonString());
        Assert.Equal("db", node["c"]!["tier"]!.GetValue<string>());
        Assert.Equal("nginx", node["c"]!["image"]!.GetValue<string>());

        // Aliased values are copies, not shared nodes.
        node["a"]!["image"] = "changed";
        Assert.Equal("nginx", node["base"]!["image"]!.GetValue<string>());
    }

    [Fact]
    public void DuplicateKeysLastWins()
    {
        Assert.Equal("""{"a":2}""", Json("a: 1\na: 2"));
    }

    [Fact]
    public void RejectsUnknownAliasAndBadMerge()
    {
        var e = Assert.Throws<YamlFormatException>(() => YamlJson.Parse("a: *nope"));
        Assert.Contains("nope", e.Message);
        Assert.Throws<YamlFormatException>(() => YamlJson.Parse("a: &x 1\nb:\n  <<: *x"));
    }

    [Fact]
    public void StopsAliasBombs()
    {
        var lines = new List<string> { "a0: &a0 [x, x, x, x, x, x, x, x, x, x]" };
        for (var i = 1; i < 10; i++)
        {
            var refs = string.Join(", ", Enumerable.Repeat($"*a{i - 1}", 10));
            lines.Add($"a{i}: &a{i} [{refs}]");
        }
        var e = Assert.Throws<YamlFormatException>(() => YamlJson.Parse(string.Join("\n", lines)));
        Assert.Contains("excessive aliasing", e.Message);
    }

    [Fact]
    public void RejectsNonFiniteFloats()
    {
        Assert.Throws<YamlFormatException>(() => YamlJson.Parse("a: .inf"));
        Assert.Throws<YamlFormatException>(() => YamlJson.Parse("a: .NaN"));
    }

    [Theory]
    [InlineData("a: b: c", 1)]
    [InlineData("a:\n  - b\n c: d", 3)]
    [InlineData("a: [1, 2", 2)]
    [InlineData("a: 'unterminated", 1)]
    [InlineData("key: value\n\tbad: tab", 1)]
    [InlineData("a: 1\nb: 2\n  c: 3\n", 3)]
    public void ReportsSyntaxErrorsWithPosition(string yaml, int line)
    {
        var e = Assert.Throws<YamlFormatException>(() => YamlJson.Parse(yaml));
        Assert.Equal(line, e.Line);
        Assert.True(e.Column > 0);
        Assert.StartsWith($"yaml: line {line}, column ", e.Message);
        Assert.IsAssignableFrom<FormatException>(e);
        Assert.DoesNotContain("(Line:", e.Message);
    }

    [Fact]
    public void ParseReadsOnlyTheFirstDocument()
    {
        Assert.Equal("""{"a":1}""", Json("a: 1\n---\nb: 2\n"));
    }

    [Fact]
    public void ParseAllReadsEveryDocument()
    {
        var docs = YamlJson.ParseAll("""
            apiVersion: v1
            kind: Namespace
            metadata: {name: a}
            ---
            apiVersion: v1
            kind: ConfigMap
            metadata: {name: b, namespace: a}
            ---
            ...
            """);
        Assert.Equal(2, docs.Count(d => d is not null));
        Assert.Equal("Namespace", docs[0]!["kind"]!.GetValue<string>());
        Assert.Equal("ConfigMap", docs[1]!["kind"]!.GetValue<string>());
        Assert.Empty(YamlJson.ParseAll(""));
        Assert.Equal(2, YamlJson.ParseAll("--- 1\n--- 2\n").Count);
    }

    [Fact]
    public void AnchorsDoNotLeakAcrossDocuments()
    {
        Assert.Throws<YamlFormatException>(() => YamlJson.ParseAll("a: &x 1\n---\nb: *x\n"));
    }

    [Fact]
    public void AcceptsJsonInput()
    {
        Assert.Equal("""{"a":[1,true,null,"x"]}""", Json("""{"a": [1, true, null, "x"]}"""));
    }
}
