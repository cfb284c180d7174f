using System.Net;
using SharpTun.Vpn.Config;

namespace SharpTun.Tests.Vpn.Config;

public sealed class VpnEndpointTests
{
    [Theory]
    [InlineData("192.0.2.1:51820", "192.0.2.1", true, 51820, "192.0.2.1:51820")]
    [InlineData("[2001:db8::1]:443", "2001:db8::1", true, 443, "[2001:db8::1]:443")]
    [InlineData("2001:db8::1:51820", "2001:db8::1", true, 51820, "[2001:db8::1]:51820")]
    [InlineData("vpn.example.org:51820", "vpn.example.org", false, 51820, "vpn.example.org:51820")]
    [InlineData("host_1-a:1", "host_1-a", false, 1, "host_1-a:1")]
    public void TryParse_ValidEndpoint(string text, string host, bool literal, int port, string printed)
    {
        Assert.True(VpnEndpoint.TryParse(text, out var endpoint, out _));
        Assert.Equal(host, endpoint.Host);
        Assert.Equal(literal, endpoint.Address is not null);
        Assert.Equal(!literal, endpoint.IsHostName);
        Assert.Equal(port, endpoint.Port);
        Assert.Equal(printed, endpoint.ToString());
    }

    [Theory]
    [InlineData(":51820", "the endpoint has no host")]
    [InlineData("host:", "port '' of 'host:'")]
    [InlineData("host:+1", "port '+1'")]
    [InlineData("[::1]", "has no port")]
    [InlineData("[::1]51820", "has no port")]
    [InlineData("[fe80::1%eth0:1", "has no ']'")]
    [InlineData("1.2.3.4.5:1", "'1.2.3.4.5' is not an IPv4 address")]
    [InlineData("a..b:1", "is not a host name")]
    [InlineData(".a:1", "is not a host name")]
    public void TryParse_InvalidEndpoint_SaysWhy(string text, string reason)
    {
        Assert.False(VpnEndpoint.TryParse(text, out _, out var error));
        Assert.Contains(reason, error);
    }

    [Fact]
    public void FromAddress_IPv6_PrintsBrackets() =>
        Assert.Equal("[fd00::1]:51820", VpnEndpoint.FromAddress(IPAddress.Parse("fd00::1"), 51820).ToString());
}
