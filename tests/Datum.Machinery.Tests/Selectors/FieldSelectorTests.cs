using Datum.Machinery.Selectors;

namespace Datum.Machinery.Tests.Selectors;

public class FieldSelectorTests
{
    private static Func<string, string?> Fields(params (string Key, string Value)[] pairs)
    {
        var map = pairs.ToDictionary(p => p.Key, p => p.Value);
        return key => map.TryGetValue(key, out var v) ? v : null;
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    public void EmptySelectsEverything(string? text)
    {
        var selector = FieldSelector.Parse(text);
        Assert.True(selector.IsEverything);
        Assert.Empty(selector.Requirements);
        Assert.True(selector.Matches(_ => null));
    }

    [Fact]
    public void ParsesAllOperators()
    {
        var selector = FieldSelector.Parse("metadata.name=a,metadata.namespace==ns,status.phase!=Running");
        Assert.Equal(
            [
                new FieldRequirement("metadata.name", FieldOperator.Equals, "a"),
                new FieldRequirement("metadata.namespace", FieldOperator.Equals, "ns"),
                new FieldRequirement("status.phase", FieldOperator.NotEquals, "Running"),
            ],
            selector.Requirements);
    }

    [Fact]
    public void MatchesWithMissingFieldAsEmpty()
    {
        var selector = FieldSelector.Parse("metadata.name=a,spec.nodeName!=n1");
        Assert.True(selector.Matches(Fields(("metadata.name", "a"))));
        Assert.False(selector.Matches(Fields(("metadata.name", "a"), ("spec.nodeName", "n1"))));
        Assert.False(selector.Matches(Fields(("metadata.name", "b"))));
        Assert.True(FieldSelector.Parse("spec.nodeName=").Matches(Fields()));
        Assert.False(FieldSelector.Parse("spec.nodeName!=").Matches(Fields()));
    }

    [Fact]
    public void UnescapesValues()
    {
        var selector = FieldSelector.Parse(@"a=x\,y\=z\\w,b=c");
        Assert.Equal(2, selector.Requirements.Count);
        Assert.Equal(@"x,y=z\w", selector.Requirements[0].Value);
        Assert.Equal("c", selector.Requirements[1].Value);
        Assert.Equal(@"a=x\,y\=z\\w,b=c", selector.ToString());
    }

    [Fact]
    public void ExactValuePinsOnlyEqualityTerms()
    {
        var selector = FieldSelector.Parse("metadata.name==web,metadata.namespace!=kube-system");
        Assert.Equal("web", selector.ExactValue("metadata.name"));
        Assert.Null(selector.ExactValue("metadata.namespace"));
        Assert.Null(selector.ExactValue("spec.x"));
    }

    [Fact]
    public void SkipsEmptyTermsAndKeepsWhitespace()
    {
        var selector = FieldSelector.Parse("a=b,,c=d");
        Assert.Equal(2, selector.Requirements.Count);
        Assert.Equal("a ", FieldSelector.Parse("a =b").Requirements[0].Field);
    }

    [Theory]
    [InlineData("metadata.name", "can't understand 'metadata.name'")]
    [InlineData("a=b,c", "can't understand 'c'")]
    [InlineData(@"a=b\x", "invalid escape sequence")]
    [InlineData(@"a=b\", "invalid trailing escape")]
    [InlineData("a=b=c", "unescaped character '='")]
    public void RejectsInvalidSelectors(string text, string fragment)
    {
        var e = Assert.Throws<SelectorParseException>(() => FieldSelector.Parse(text));
        Assert.Contains(fragment, e.Message);
    }
}
