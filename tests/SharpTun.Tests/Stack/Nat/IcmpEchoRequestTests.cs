using SharpTun.Stack.Nat;

namespace SharpTun.Tests.Stack.Nat;

public sealed class IcmpEchoRequestTests
{
    // Captured from `ping -s 8 10.77.0.2` and `ping -6 -s 8 fd00:77::2` through a TUN device.
    private const string V4Request = "45000024731440004001b3280a4d00010a4d0002 0800acca3f2400010001020304050607";
    private const string V6Request = "600672d900103a40fd000077000000000000000000000001fd000077000000000000000000000002 8000398b3f2600010001020304050607";

    private static byte[] Bytes(string hex) => Convert.FromHexString(hex.Replace(" ", ""));

    [Fact]
    public void TryParse_CapturedV4Request_ReadsAppIdentifierDestinationAndMessage()
    {
        var packet = Bytes(V4Request);
        Assert.True(IcmpEchoRequest.TryParse(packet, out var request));
        Assert.Equal(NatEndpoint.V4(0x0a4d0001, 0x3f24), request.App);
        Assert.Equal((UInt128)0x0a4d0002, request.Destination);
        Assert.Equal(packet.AsSpan(20).ToArray(), request.Message.ToArray());
    }

    [Fact]
    public void TryParse_CapturedV6Request_ReadsAppIdentifierDestinationAndMessage()
    {
        var packet = Bytes(V6Request);
        Assert.True(IcmpEchoRequest.TryParse(packet, out var request));
        Assert.True(request.App.IsIPv6);
        Assert.Equal(0x3f26, request.App.Port);
        Assert.Equal(UInt128.Parse("fd000077000000000000000000000002", System.Globalization.NumberStyles.HexNumber), request.Destination);
        Assert.Equal(packet.AsSpan(40).ToArray(), request.Message.ToArray());
    }

    public static TheoryData<string, string> NotForwarded => new()
    {
        { "echo reply", V4Request.Replace(" 0800acca", " 0000b4ca") },
        { "bad icmp checksum", V4Request.Replace(" 0800acca", " 0800accb") },
        { "bad header checksum", V4Request.Replace("b328", "b329") },
        { "to broadcast", "45000024731440004001bd770a4d0001ffffffff 0800acca3f2400010001020304050607" },
        { "truncated", V4Request[..55] },
        { "v6 to multicast", V6Request.Replace("fd000077000000000000000000000002", "ff020000000000000000000000000001") },
        { "v6 bad checksum", V6Request.Replace("8000398b", "8000398c") },
        { "not ip", "00112233" },
    };

    [Theory]
    [MemberData(nameof(NotForwarded))]
    public void TryParse_NotAnEchoRequestToForward_ReturnsFalse(string why, string hex)
    {
        Assert.False(IcmpEchoRequest.TryParse(Bytes(hex), out _), why);
    }
}
