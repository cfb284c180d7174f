using SharpTun.Vpn.Messages;

namespace SharpTun.Tests.Vpn;

public sealed class MalformedMessageTests
{
    public static TheoryData<string, byte[], bool> Datagrams => new()
    {
        { "empty", [], false },
        { "type only", [1], false },
        { "reserved bytes set", Message(1, 148, reserved: 1), false },
        { "initiation one short", Message(1, 147), false },
        { "initiation one long", Message(1, 149), false },
        { "initiation", Message(1, 148), true },
        { "response", Message(2, 92), true },
        { "response short", Message(2, 91), false },
        { "cookie reply", Message(3, 64), true },
        { "cookie reply long", Message(3, 65), false },
        { "data header and tag only (keepalive)", Message(4, 32), true },
        { "data without tag", Message(4, 31), false },
        { "unknown type", Message(5, 148), false },
        { "type zero", Message(0, 148), false },
    };

    [Theory]
    [MemberData(nameof(Datagrams))]
    public void TryClassify_Table(string name, byte[] datagram, bool valid)
    {
        Assert.True(valid == WireGuardMessage.TryClassify(datagram, out _), name);
    }

    [Fact]
    public void Device_RandomJunkOfEveryType_IsDroppedWithoutHarm()
    {
        using var pair = new DevicePair();
        pair.Connect();
        var random = new Random(5);
        var lengths = new[] { 0, 1, 4, 31, 32, 33, 64, 92, 148, 200, 1500 };
        for (var i = 0; i < 2000; i++)
        {
            var datagram = new byte[lengths[random.Next(lengths.Length)]];
            random.NextBytes(datagram);
            if (datagram.Length >= 4)
            {
                datagram[0] = (byte)random.Next(0, 6);
                datagram[1] = datagram[2] = datagram[3] = 0;
            }
            // Some data messages aimed at the live session index, so they reach decryption.
            if (datagram.Length >= 32 && datagram[0] == 4 && i % 2 == 0)
                BitConverter.TryWriteBytes(datagram.AsSpan(4), pair.PeerAtB.Current!.LocalIndex);
            pair.TransportB.Enqueue(datagram, pair.TransportA.LocalEndpoint);
        }
        Assert.True(DevicePair.Eventually(() => pair.B.Counters.InvalidMessages + pair.B.Counters.HandshakesRefused >= 1500, TimeSpan.FromSeconds(20)));
        // Both directions still work.
        Assert.True(pair.TunA.TryInject(DevicePair.Ping(DevicePair.AddressA, DevicePair.AddressB, 1)));
        Assert.NotNull(DevicePair.Take(pair.TunB, TimeSpan.FromSeconds(20)));
        Assert.True(pair.TunB.TryInject(DevicePair.Ping(DevicePair.AddressB, DevicePair.AddressA, 2)));
        Assert.NotNull(DevicePair.Take(pair.TunA, TimeSpan.FromSeconds(20)));
    }

    private static byte[] Message(byte type, int length, byte reserved = 0)
    {
        var message = new byte[length];
        message[0] = type;
        if (length > 1)
            message[1] = reserved;
        return message;
    }
}
