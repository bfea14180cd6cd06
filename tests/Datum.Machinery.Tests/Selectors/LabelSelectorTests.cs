using System.Text.Json.Nodes;
using Datum.Machinery.Selectors;

namespace Datum.Machinery.Tests.Selectors;

public class LabelSelectorTests
{
    private static readonly Dictionary<string, string> Web = new()
    {
        ["app"] = "web",
        ["tier"] = "frontend",
        ["env"] = "prod",
        ["replicas"] = "3",
    };

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    public void EmptyTextSelectsEverything(string? text)
    {
        var selector = LabelSelector.Parse(text);
        Assert.True(selector.IsEverything);
        Assert.True(selector.Matches((IReadOnlyDictionary<string, string>?)null));
        Assert.True(selector.Matches(Web));
    }

    [Theory]
    [InlineData("app=web", true)]
    [InlineData("app==web", true)]
    [InlineData("app=db", false)]
    [InlineData("app!=db", true)]
    [InlineData("app!=web", false)]
    [InlineData("missing!=x", true)]
    [InlineData("app in (web,db)", true)]
    [InlineData("app in (db, cache)", false)]
    [InlineData("app notin (db,cache)", true)]
    [InlineData("app notin (web)", false)]
    [InlineData("missing notin (web)", true)]
    [InlineData("missing in (web)", false)]
    [InlineData("app", true)]
    [InlineData("missing", false)]
    [InlineData("!missing", true)]
    [InlineData("!app", false)]
    [InlineData("app=web,tier=frontend", true)]
    [InlineData("app=web,tier=backend", false)]
    [InlineData("  app = web ,  tier in ( frontend , x ) , !missing ", true)]
    [InlineData("replicas>2", true)]
    [InlineData("replicas>3", false)]
    [InlineData("replicas<4", true)]
    [InlineData("app>1", false)]
    public void MatchesDictionary(string text, bool expected)
    {
        Assert.Equal(expected, LabelSelector.Parse(text).Matches(Web));
    }

    [Fact]
    public void MatchesJsonObjectLabels()
    {
        var labels = JsonNode.Parse("""{"app":"web","empty":""}""")!.AsObject();
        Assert.True(LabelSelector.Parse("app=web,empty=").Matches(labels));
        Assert.True(LabelSelector.Parse("empty in (a,)").Matches(labels));
        Assert.False(LabelSelector.Parse("app=").Matches(labels));
        Assert.False(LabelSelector.Parse("app").Matches((JsonObject?)null));
        Assert.True(LabelSelector.Parse("!app").Matches((JsonObject?)null));
    }

    [Fact]
    public void EmptyExactValueMatchesOnlyEmptyLabel()
    {
        var selector = LabelSelector.Parse("a=,b=x");
        Assert.True(selector.Matches(new Dictionary<string, string> { ["a"] = "", ["b"] = "x" }));
        Assert.False(selector.Matches(new Dictionary<string, string> { ["b"] = "x" }));
    }

    [Theory]
    [InlineData("example.com/app=web")]
    [InlineData("kubernetes.io/metadata.name=default")]
    [InlineData("a.b_c-d=E.f_G-h")]
    [InlineData("x in ()")]
    public void AcceptsValidSyntax(string text)
    {
        Assert.False(LabelSelector.Parse(text).IsEverything);
    }

    [Theory]
    [InlineData("app=web,", "identifier after ','")]
    [InlineData(",app", "found ','")]
    [InlineData("app in web", "expected: '('")]
    [InlineData("app in (web", "found ''")]
    [InlineData("app=(", "expected: identifier")]
    [InlineData("app web", "found 'web', expected: [!= < = == > in notin]")]
    [InlineData("!", "expected: identifier")]
    [InlineData("!a=b", "found '=', expected: ',' or 'end of string'")]
    [InlineData("-app=web", "name part must consist of alphanumeric")]
    [InlineData("Example.com/app=web", "prefix part")]
    [InlineData("/app=web", "prefix part must be non-empty")]
    [InlineData("a/b/c=d", "qualified name")]
    [InlineData("app=-web", "a valid label must be an empty string")]
    [InlineData("app=web!", "found '!'")]
    [InlineData("a>x", "must be an integer")]
    public void RejectsInvalidSelectors(string text, string fragment)
    {
        var e = Assert.Throws<SelectorParseException>(() => LabelSelector.Parse(text));
        Assert.Contains(fragment, e.Message);
        Assert.StartsWith("unable to parse requirement: ", e.Message);
        Assert.IsAssignableFrom<FormatException>(e);
    }

    [Fact]
    public void RejectsOverlongNamesAndValues()
    {
        var name = new string('a', 64);
        Assert.Throws<SelectorParseException>(() => LabelSelector.Parse(name + "=x"));
        Assert.Throws<SelectorParseException>(() => LabelSelector.Parse("x=" + name));
        LabelSelector.Parse(new string('a', 63) + "=" + new string('b', 63));
        Assert.Throws<SelectorParseException>(() => LabelSelector.Parse(new string('p', 254) + "/x=y"));
    }

    [Fact]
    public void ToStringIsCanonicalAndReparses()
    {
        var selector = LabelSelector.Parse("z in (b,a), !y, a==1, m notin (q)");
        Assert.Equal("a=1,m notin (q),!y,z in (a,b)", selector.ToString());
        Assert.Equal(selector.ToString(), LabelSelector.Parse(selector.ToString()).ToString());
    }

    [Fact]
    public void FromJsonNullMatchesNothing()
    {
        var selector = LabelSelector.FromJson(null);
        Assert.True(selector.IsNothing);
        Assert.False(selector.IsEverything);
        Assert.False(selector.Matches(Web));
        Assert.False(selector.Matches(new Dictionary<string, string>()));
    }

    [Fact]
    public void FromJsonEmptyMatchesEverything()
    {
        var selector = LabelSelector.FromJson(new JsonObject());
        Assert.True(selector.IsEverything);
        Assert.True(selector.Matches((JsonObject?)null));
    }

    [Fact]
    public void FromJsonCombinesMatchLabelsAndExpressions()
    {
        var node = JsonNode.Parse("""
            {"matchLabels":{"app":"web"},
             "matchExpressions":[
               {"key":"tier","operator":"In","values":["frontend","edge"]},
               {"key":"env","operator":"NotIn","values":["dev"]},
               {"key":"replicas","operator":"Exists"},
               {"key":"legacy","operator":"DoesNotExist","values":[]}]}
            """);
        var selector = LabelSelector.FromJson(node);
        Assert.True(selector.Matches(Web));
        Assert.False(selector.Matches(new Dictionary<string, string>(Web) { ["legacy"] = "1" }));
        Assert.False(selector.Matches(new Dictionary<string, string>(Web) { ["env"] = "dev" }));
        Assert.False(selector.Matches(new Dictionary<string, string>(Web) { ["app"] = "db" }));
    }

    [Theory]
    [InlineData("""{"matchExpressions":[{"key":"a","operator":"In","values":[]}]}""", "can't be empty")]
    [InlineData("""{"matchExpressions":[{"key":"a","operator":"Exists","values":["x"]}]}""", "must be empty")]
    [InlineData("""{"matchExpressions":[{"key":"a","operator":"Gt","values":["1"]}]}""", "not a valid label selector operator")]
    [InlineData("""{"matchLabels":{"a":1}}""", "must be a string")]
    [InlineData("""{"matchLabels":{"-a":"b"}}""", "name part")]
    [InlineData("""[]""", "must be an object")]
    public void FromJsonRejectsInvalidObjects(string json, string fragment)
    {
        var e = Assert.Throws<SelectorParseException>(() => LabelSelector.FromJson(JsonNode.Parse(json)));
        Assert.Contains(fragment, e.Message);
    }
}
