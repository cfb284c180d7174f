using System.Runtime.InteropServices;
using SharpTun.Tun;

namespace SharpTun.Modify;

/// <summary>
/// An <see cref="ITunQueue"/> that records every packet read from and written to the queue it wraps
/// in a <see cref="PcapWriter"/>, so writers that run outside a reader loop (UDP and ICMP replies,
/// built on socket threads) land in the capture too. Records are not flushed per packet: the owner
/// flushes the writer now and then, and disposing the writer flushes the rest. Allocates nothing.
/// </summary>
public sealed class PcapTunQueue(ITunQueue inner, PcapWriter pcap) : ITunQueue
{
    public int Read(Span<PacketBuffer> packets)
    {
        var count = inner.Read(packets);
        for (var i = 0; i < count; i++)
            pcap.Write(packets[i].Packet);
        return count;
    }

    public int TryRead(Span<PacketBuffer> packets)
    {
        var count = inner.TryRead(packets);
        for (var i = 0; i < count; i++)
            pcap.Write(packets[i].Packet);
        return count;
    }

    public SafeHandle ReadableHandle => inner.ReadableHandle;

    public int Write(ReadOnlySpan<PacketBuffer> packets)
    {
        var written = inner.Write(packets);
        for (var i = 0; i < written; i++)
            pcap.Write(packets[i].Packet);
        return written;
    }

    public void Close() => inner.Close();

    /// <summary>Disposes the wrapped queue; the pcap writer belongs to the caller.</summary>
    public void Dispose() => inner.Dispose();
}
