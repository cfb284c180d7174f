using System.Net;
using SharpTun.Host;

namespace SharpTun.Tests.Host;

public sealed class InterfaceAddressTests
{
    [Theory]
    [InlineData("198.19.0.1/16", "198.19.0.0/16")]
    [InlineData("10.77.0.1/24", "10.77.0.0/24")]
    [InlineData("10.0.0.5/31", "10.0.0.4/31")]
    [InlineData("10.1.2.3/32", "10.1.2.3/32")]
    [InlineData("192.168.255.255/0", "0.0.0.0/0")]
    [InlineData("fdfe:dcba:9876::1/112", "fdfe:dcba:9876::/112")]
    [InlineData("fd00:77:0:f::1/61", "fd00:77:0:8::/61")]
    public void Network_ClearsHostBits(string address, string expected) =>
        Assert.Equal(IPNetwork.Parse(expected), InterfaceAddress.Parse(address).Network);
}
