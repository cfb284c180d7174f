using SharpTun.Tun;

namespace SharpTun.Tests.Tun;

public sealed class MemoryTunQueueTests
{
    [Fact]
    public void Read_InjectedPackets_ReturnsThemInOrderAtHeadroom()
    {
        using var queue = new MemoryTunQueue();
        queue.TryInject([0x45, 1]);
        queue.TryInject([0x45, 2]);
        var buffers = new[] { new PacketBuffer(128), new PacketBuffer(128), new PacketBuffer(128) };

        Assert.Equal(2, queue.Read(buffers));

        Assert.Equal(PacketBuffer.DefaultHeadroom, buffers[0].Offset);
        Assert.Equal(new byte[] { 0x45, 1 }, buffers[0].Packet.ToArray());
        Assert.Equal(new byte[] { 0x45, 2 }, buffers[1].Packet.ToArray());
    }

    [Fact]
    public void Read_PacketLongerThanBuffer_IsTruncatedLikeTheKernel()
    {
        using var queue = new MemoryTunQueue();
        queue.TryInject(new byte[100]);
        var buffer = new PacketBuffer(64 + 10);

        Assert.Equal(1, queue.Read([buffer]));
        Assert.Equal(10, buffer.Length);
    }

    [Fact]
    public void Write_BeyondCapacity_StopsTheBatch()
    {
        using var queue = new MemoryTunQueue(capacity: 2);
        var buffers = new PacketBuffer[3];
        for (var i = 0; i < buffers.Length; i++)
        {
            buffers[i] = new PacketBuffer(128) { Length = 1 };
            buffers[i].Packet[0] = (byte)i;
        }

        Assert.Equal(2, queue.Write(buffers));
        Assert.True(queue.TryTakeWritten(out var first));
        Assert.Equal(new byte[] { 0 }, first);
        Assert.True(queue.TryTakeWritten(out _));
        Assert.False(queue.TryTakeWritten(out _));
    }

    [Fact]
    public void Close_BlockedRead_ReturnsZero()
    {
        using var queue = new MemoryTunQueue();
        var result = -1;
        var reader = new Thread(() => result = queue.Read([new PacketBuffer(128)]));
        reader.Start();
        Thread.Sleep(50);

        queue.Close();

        Assert.True(reader.Join(TimeSpan.FromSeconds(5)));
        Assert.Equal(0, result);
        Assert.False(queue.TryInject([0x45]));
    }
}
