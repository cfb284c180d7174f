using System.Net;

namespace SharpTun.Wire.Tests.Ip;

public sealed class DestinationKindTests
{
    [Theory]
    [InlineData("10.77.0.2", false)]
    [InlineData("223.255.255.255", false)]
    [InlineData("224.0.0.1", true)]
    [InlineData("239.255.255.250", true)]
    [InlineData("240.0.0.1", true)]
    [InlineData("255.255.255.255", true)]
    public void IsDestinationMulticastOrBroadcast_ByAddress(string destination, bool expected)
    {
        var bytes = Captured.Ipv4IcmpEchoRequest.ToArray();
        var packet = Ipv4Packet.CreateUnchecked(bytes);
        IPAddress.Parse(destination).TryWriteBytes(packet.DestinationAddress, out _);
        Assert.Equal(expected, packet.IsDestinationMulticastOrBroadcast);
    }

    [Theory]
    [InlineData("fd00:77::2", false)]
    [InlineData("fe80::1", false)]
    [InlineData("ff02::1", true)]
    [InlineData("ff05::1:3", true)]
    public void IsDestinationMulticast_ByAddress(string destination, bool expected)
    {
        var bytes = new byte[Ipv6Packet.HeaderLength];
        new Ipv6Header { NextHeader = IpProtocol.NoNextHeader }.Emit(bytes);
        IPAddress.Parse(destination).TryWriteBytes(bytes.AsSpan(Ipv6Packet.Field.DestinationAddress), out _);
        Assert.True(Ipv6Packet.TryParse(bytes, out var packet));
        Assert.Equal(expected, packet.IsDestinationMulticast);
    }
}
