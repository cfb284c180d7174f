using System.Net;
using SharpTun.Vpn.Transport;

namespace SharpTun.Tests.Vpn;

public sealed class WireGuardEndpointTests
{
    [Theory]
    [InlineData("192.0.2.1:51820", true)]
    [InlineData("[2001:db8::1]:443", false)]
    [InlineData("[::ffff:192.0.2.1]:51820", true)]
    public void From_ToIPEndPoint_RoundTrips(string text, bool isIPv4)
    {
        var endpoint = WireGuardEndpoint.From(IPEndPoint.Parse(text));
        Assert.Equal(isIPv4, endpoint.IsIPv4);
        var back = endpoint.ToIPEndPoint();
        var expected = IPEndPoint.Parse(text);
        if (expected.Address.IsIPv4MappedToIPv6)
            expected = new IPEndPoint(expected.Address.MapToIPv4(), expected.Port);
        Assert.Equal(expected, back);
    }

    [Fact]
    public void Equality_ComparesAddressAndPort()
    {
        var a = WireGuardEndpoint.From(IPEndPoint.Parse("192.0.2.1:1"));
        Assert.Equal(a, new WireGuardEndpoint([192, 0, 2, 1], 1));
        Assert.NotEqual(a, WireGuardEndpoint.From(IPEndPoint.Parse("192.0.2.1:2")));
        Assert.NotEqual(a, WireGuardEndpoint.From(IPEndPoint.Parse("192.0.2.2:1")));
    }

    [Fact]
    public void WriteBytes_IsMappedAddressThenBigEndianPort()
    {
        var bytes = new byte[WireGuardEndpoint.ByteLength];
        WireGuardEndpoint.From(IPEndPoint.Parse("192.0.2.1:51820")).WriteBytes(bytes);
        Assert.Equal("00000000000000000000ffffc0000201ca6c", Convert.ToHexStringLower(bytes));
    }

    [Fact]
    public void Constructor_WrongAddressLength_Throws()
    {
        Assert.Throws<ArgumentException>(() => new WireGuardEndpoint(new byte[5], 1));
    }
}
