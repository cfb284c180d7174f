using Microsoft.Extensions.Logging;
using SharpTun.Modify;
using SharpTun.Tun;

namespace SharpTun.Stack;

/// <summary>
/// Answers ICMP/ICMPv6 echo requests arriving on one TUN queue: reads a batch, rewrites each echo
/// request into its reply in place (<see cref="IcmpEchoResponder"/>), writes the replies back in one
/// batch. Optionally records every packet seen and sent to a pcap file. Runs on the calling thread
/// until the queue is closed; allocates nothing per packet.
/// </summary>
public sealed partial class EchoServer
{
    /// <summary>Packets read (and at most written) per batch.</summary>
    public const int BatchSize = 64;

    private readonly ITunQueue _queue;
    private readonly PcapWriter? _pcap;
    private readonly ILogger _logger;
    private readonly PacketBuffer[] _received;
    private readonly PacketBuffer[] _replies = new PacketBuffer[BatchSize];

    /// <param name="queue">The queue to serve.</param>
    /// <param name="mtu">Largest packet the device carries; buffers hold one such packet each.</param>
    /// <param name="pcap">Where to record packets, or null.</param>
    /// <param name="logger">Receives one line when the server stops.</param>
    public EchoServer(ITunQueue queue, int mtu, PcapWriter? pcap, ILogger logger)
    {
        _queue = queue;
        _pcap = pcap;
        _logger = logger;
        _received = new PacketBuffer[BatchSize];
        for (var i = 0; i < BatchSize; i++)
            _received[i] = new PacketBuffer(PacketBuffer.DefaultHeadroom + mtu);
    }

    /// <summary>Serves until the queue is closed; returns what was done.</summary>
    public EchoStatistics Run()
    {
        var statistics = new EchoStatistics();
        while (ServeBatch(ref statistics))
        {
        }
        LogStopped(statistics.Received, statistics.Answered, statistics.ReplyDropped);
        return statistics;
    }

    /// <summary>
    /// Waits for one batch, answers it and adds to <paramref name="statistics"/>; false once the
    /// queue is closed. The unit of the hot path (tests measure its allocations).
    /// </summary>
    internal bool ServeBatch(ref EchoStatistics statistics)
    {
        var count = _queue.Read(_received);
        if (count == 0)
            return false;
        var replies = 0;
        for (var i = 0; i < count; i++)
        {
            var buffer = _received[i];
            _pcap?.Write(buffer.Packet);
            var replyLength = IcmpEchoResponder.TryAnswer(buffer.Packet);
            if (replyLength == 0)
                continue;
            buffer.Length = replyLength;
            _pcap?.Write(buffer.Packet);
            _replies[replies++] = buffer;
        }
        var written = replies == 0 ? 0 : _queue.Write(_replies.AsSpan(0, replies));
        statistics = statistics.Add(count, replies, replies - written);
        _pcap?.Flush();
        return true;
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "echo queue stopped: {Received} packets received, {Answered} echo requests answered, {Dropped} replies not written")]
    private partial void LogStopped(long received, long answered, long dropped);
}
