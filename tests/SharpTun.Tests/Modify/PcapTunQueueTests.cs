using SharpTun.Modify;
using SharpTun.Tun;

namespace SharpTun.Tests.Modify;

public sealed class PcapTunQueueTests
{
    [Fact]
    public void ReadAndWrite_RecordEveryPacketInOrder()
    {
        var stream = new MemoryStream();
        using var pcap = new PcapWriter(stream);
        var inner = new MemoryTunQueue();
        using var queue = new PcapTunQueue(inner, pcap);
        byte[] incoming = [0x45, 1, 2, 3], outgoing = [0x60, 4, 5];
        inner.TryInject(incoming);
        var buffers = new[] { new PacketBuffer(128) };

        Assert.Equal(1, queue.Read(buffers));
        var reply = new PacketBuffer(128) { Length = outgoing.Length };
        outgoing.CopyTo(reply.Packet);
        Assert.Equal(1, queue.Write([reply]));
        pcap.Flush();

        Assert.Equal(2, pcap.PacketCount);
        var file = stream.ToArray();
        Assert.Equal(incoming, file.AsSpan(24 + 16, incoming.Length).ToArray());
        Assert.Equal(outgoing, file.AsSpan(24 + 16 + incoming.Length + 16, outgoing.Length).ToArray());
        Assert.True(inner.TryTakeWritten(out var written));
        Assert.Equal(outgoing, written);
    }

    [Fact]
    public void Write_FullInnerQueue_RecordsOnlyWhatWasWritten()
    {
        using var pcap = new PcapWriter(new MemoryStream());
        using var queue = new PcapTunQueue(new MemoryTunQueue(capacity: 1), pcap);
        var packet = new PacketBuffer(128) { Length = 20 };
        packet.Packet[0] = 0x45;

        Assert.Equal(1, queue.Write([packet, packet]));

        Assert.Equal(1, pcap.PacketCount);
    }
}
