namespace SharpTun.Wire.Tests.Ip;

public sealed class IpPacketTests
{
    [Theory]
    [InlineData(new byte[] { 0x45 }, IpVersion.V4)]
    [InlineData(new byte[] { 0x60, 0x00 }, IpVersion.V6)]
    [InlineData(new byte[] { 0x50 }, IpVersion.Unknown)]
    [InlineData(new byte[] { }, IpVersion.Unknown)]
    public void GetVersion_FirstNibble_ReturnsVersion(byte[] packet, IpVersion expected)
    {
        Assert.Equal(expected, IpPacket.GetVersion(packet));
    }
}
