using Microsoft.Extensions.Logging.Abstractions;
using SharpTun.Modify;
using SharpTun.Stack;
using SharpTun.Tun;

namespace SharpTun.Tests.Stack;

public sealed class EchoServerTests
{
    private static readonly byte[] V4Request = Convert.FromHexString("450000247314400040" + "01b3280a4d00010a4d0002" + "0800acca3f2400010001020304050607");
    private static readonly byte[] V4Reply = Convert.FromHexString("450000247314400040" + "01b3280a4d00020a4d0001" + "0000b4ca3f2400010001020304050607");
    private static readonly byte[] RouterSolicitation = Convert.FromHexString(
        "6000000000083aff" + "fe800000000000000000000000000001" + "ff020000000000000000000000000002" + "85007bb800000000");

    [Fact]
    public async Task Run_MixedTraffic_AnswersEchoRequestsOnlyAndStopsWhenClosed()
    {
        var queue = new MemoryTunQueue();
        using var pcap = new PcapWriter(new MemoryStream());
        var server = Task.Factory.StartNew(() => new EchoServer(queue, mtu: 1500, pcap, NullLogger.Instance).Run(), TaskCreationOptions.LongRunning);
        for (var i = 0; i < 200; i++)
            Assert.True(queue.TryInject(i % 2 == 0 ? V4Request : RouterSolicitation));

        var replies = 0;
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (replies < 100 && DateTime.UtcNow < deadline)
        {
            if (queue.TryTakeWritten(out var written))
            {
                Assert.Equal(V4Reply, written);
                replies++;
            }
        }
        queue.Close();
        var statistics = await server.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(100, replies);
        Assert.Equal(new EchoStatistics(Received: 200, Answered: 100, ReplyDropped: 0), statistics);
        Assert.Equal(300, pcap.PacketCount); // every packet seen plus every reply sent
    }

    [Fact]
    public async Task Run_KernelRefusesReplies_CountsThemAsDropped()
    {
        // The queue holds 3 packets each way; fill the write side so the server's replies are refused.
        var queue = new MemoryTunQueue(capacity: 3);
        var filler = new PacketBuffer(PacketBuffer.DefaultHeadroom + 64) { Length = V4Reply.Length };
        filler.Offset = filler.Headroom;
        V4Reply.CopyTo(filler.Packet);
        Assert.Equal(3, queue.Write([filler, filler, filler]));
        using var pcap = new PcapWriter(new MemoryStream());
        var server = Task.Factory.StartNew(() => new EchoServer(queue, mtu: 1500, pcap, NullLogger.Instance).Run(), TaskCreationOptions.LongRunning);

        for (var i = 0; i < 3; i++)
            Assert.True(queue.TryInject(V4Request));
        SpinWait.SpinUntil(() => pcap.PacketCount == 6, TimeSpan.FromSeconds(10));
        queue.Close();

        Assert.Equal(new EchoStatistics(Received: 3, Answered: 3, ReplyDropped: 3), await server.WaitAsync(TimeSpan.FromSeconds(10)));
    }
}
