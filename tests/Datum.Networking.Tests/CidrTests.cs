using Datum.Networking.Ipam;

namespace Datum.Networking.Tests;

public sealed class CidrTests
{
    [Theory]
    [InlineData("10.128.0.0/9", false, 9)]
    [InlineData("fd20::/20", true, 20)]
    [InlineData("0.0.0.0/0", false, 0)]
    [InlineData("fd20:1:2::/48", true, 48)]
    public void Parses_network_prefixes(string text, bool v6, int length)
    {
        Assert.True(Cidr.TryParse(text, out var cidr, out _));
        Assert.Equal(v6, cidr.IsV6);
        Assert.Equal(length, cidr.PrefixLength);
        Assert.Equal(text, cidr.ToString());
    }

    [Theory]
    [InlineData("10.0.0.1/8", "did you mean 10.0.0.0/8")]
    [InlineData("10.0.0.0/33", "from 0 to 32")]
    [InlineData("10.0.0.0", "address/prefix-length")]
    [InlineData("ten/8", "not an IP address")]
    [InlineData("10.1/16", "not an IP address")]
    public void Rejects_bad_prefixes_with_an_actionable_message(string text, string message)
    {
        Assert.False(Cidr.TryParse(text, out _, out var error));
        Assert.Contains(message, error);
    }

    [Fact]
    public void First_free_skips_used_blocks_and_reports_exhaustion()
    {
        var range = Cidr.Parse("10.0.0.0/22");
        Assert.Equal(Cidr.Parse("10.0.0.0/24"), Cidr.FirstFree(range, 24, []));
        Assert.Equal(Cidr.Parse("10.0.1.0/24"), Cidr.FirstFree(range, 24, [Cidr.Parse("10.0.0.128/25")]));
        Assert.Equal(Cidr.Parse("10.0.2.0/23"), Cidr.FirstFree(range, 23, [Cidr.Parse("10.0.1.0/24")]));
        Assert.Null(Cidr.FirstFree(range, 23, [Cidr.Parse("10.0.1.0/24"), Cidr.Parse("10.0.3.255/32")]));
        Assert.Null(Cidr.FirstFree(range, 21, []));
        Assert.Equal(Cidr.Parse("fd20:0:0:1::/64"), Cidr.FirstFree(Cidr.Parse("fd20::/48"), 64, [Cidr.Parse("fd20::/64")]));
    }

    [Fact]
    public void Overlap_and_containment()
    {
        Assert.True(Cidr.Parse("10.0.0.0/8").Overlaps(Cidr.Parse("10.1.0.0/16")));
        Assert.False(Cidr.Parse("10.0.0.0/16").Overlaps(Cidr.Parse("10.1.0.0/16")));
        Assert.False(Cidr.Parse("10.0.0.0/8").Overlaps(Cidr.Parse("fd20::/20")));
        Assert.True(Cidr.Parse("fd20::/20").Contains(Cidr.Parse("fd20:fff:ffff::/48")));
        Assert.False(Cidr.Parse("fd20::/20").Contains(Cidr.Parse("fd21::/48")));
    }
}
