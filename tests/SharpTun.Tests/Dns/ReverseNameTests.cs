using System.Net;
using SharpTun.Dns;

namespace SharpTun.Tests.Dns;

public sealed class ReverseNameTests
{
    [Theory]
    [InlineData("1.0.18.198.in-addr.arpa", "198.18.0.1")]
    [InlineData("255.255.255.255.IN-ADDR.ARPA", "255.255.255.255")]
    [InlineData("1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.c.f.ip6.arpa", "fc00::1")]
    [InlineData("b.a.9.8.7.6.5.4.3.2.1.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa", "2001:db8::123:4567:89ab")]
    public void TryParse_WholeAddress_GivesIt(string name, string address)
    {
        Assert.True(ReverseName.TryParse(name, out var parsed));
        Assert.Equal(IPAddress.Parse(address), parsed.ToIPAddress());
    }

    [Theory]
    [InlineData("0.18.198.in-addr.arpa")]   // a network, not an address
    [InlineData("256.0.18.198.in-addr.arpa")]
    [InlineData("01.0.18.198.in-addr.arpa")]
    [InlineData("1.0.18.198.in-addr.arpa.example")]
    [InlineData("1.0.0.18.198.in-addr.arpa")]
    [InlineData("g.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.c.f.ip6.arpa")]
    [InlineData("0.c.f.ip6.arpa")]
    public void TryParse_NotOneAddress_IsFalse(string name) =>
        Assert.False(ReverseName.TryParse(name, out _));
}
