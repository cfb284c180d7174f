using System.Buffers.Binary;
using SharpTun.Wire;

namespace SharpTun.Tun;

/// <summary>
/// Generic receive offload in user space, for a TUN opened with <see cref="TunOptions.Offload"/>: joins
/// consecutive TCP segments of one flow in a batch into one super-packet, written with a GSO offload
/// header, so the kernel's TCP takes one large packet (as after the kernel's own GRO) instead of
/// dozens of small ones, and the TUN one write instead of dozens. The rules follow tcp_gro_receive
/// (net/ipv4/tcp_offload.c): same addresses, ports and IP header fields; contiguous sequence numbers;
/// the same acknowledgment, window, flags and options; every segment but the last exactly as long as
/// the first; nothing after a PSH; only ACK (and PSH) flags. Each segment's TCP checksum is verified
/// first, so corruption is never hidden behind the partial checksum the super-packet then carries.
/// Allocates nothing.
/// </summary>
public static class TcpCoalescer
{
    private const int Ipv4HeaderLength = 20, Ipv6HeaderLength = 40, ChecksumFieldOffset = 16;

    /// <summary>The largest super-packet made: the IPv4 total length limit, and the kernel's 64 KiB GSO limit.</summary>
    public const int MaximumLength = 65535;

    /// <summary>
    /// Coalesces <paramref name="packets"/> in place and compacts the span: returns the new count.
    /// Merged packets grow in their first segment's buffer (which needs the room after the packet;
    /// segments whose buffer lacks it are left alone) and get a GSO <see cref="PacketBuffer.Offload"/>
    /// header; all others keep theirs unchanged. Order is kept.
    /// </summary>
    public static int Coalesce(Span<PacketBuffer> packets)
    {
        var kept = 0;
        var head = -1; // index in the compacted output of the super-packet being built, or -1
        var segments = 0;
        var gsoSize = 0;
        var closed = false;
        for (var i = 0; i < packets.Length; i++)
        {
            var packet = packets[i];
            if (head >= 0 && !closed && TryAppend(packets[head], packet, gsoSize, out closed))
            {
                segments++;
                continue;
            }
            if (head >= 0 && segments > 1)
                Finish(packets[head], gsoSize);
            packets[kept] = packet;
            head = -1;
            segments = 0;
            if (TryStart(packet, out gsoSize, out closed))
            {
                head = kept;
                segments = 1;
            }
            kept++;
        }
        if (head >= 0 && segments > 1)
            Finish(packets[head], gsoSize);
        return kept;
    }

    /// <summary>Whether a packet can begin a super-packet: plain TCP data with ACK (and PSH), a valid checksum, no offload header yet.</summary>
    private static bool TryStart(PacketBuffer buffer, out int payloadLength, out bool closed)
    {
        payloadLength = 0;
        closed = false;
        var packet = buffer.Packet;
        if (buffer.Offload != default || !TryLayout(packet, out var tcpOffset, out var headerLength))
            return false;
        var flags = (TcpFlags)packet[tcpOffset + 13];
        payloadLength = packet.Length - headerLength;
        if ((flags & ~TcpFlags.Psh) != TcpFlags.Ack || payloadLength == 0 || !IsChecksumValid(packet, tcpOffset))
            return false;
        closed = (flags & TcpFlags.Psh) != 0;
        return true;
    }

    /// <summary>Appends <paramref name="next"/>'s payload to the super-packet in <paramref name="head"/> when the GRO rules allow it.</summary>
    private static bool TryAppend(PacketBuffer head, PacketBuffer next, int gsoSize, out bool closed)
    {
        closed = false;
        var first = head.Packet;
        var packet = next.Packet;
        if (next.Offload != default || !TryLayout(packet, out var tcpOffset, out var headerLength))
            return false;
        TryLayout(first, out var headTcpOffset, out var headHeaderLength, checkLength: false); // its length fields wait for Finish
        var payload = packet.Length - headerLength;
        if (tcpOffset != headTcpOffset || headerLength != headHeaderLength || payload == 0 || payload > gsoSize
            || first.Length + payload > MaximumLength || head.Array.Length - head.Offset < first.Length + payload)
            return false;
        // IP: version, TOS/traffic class, flow label; addresses; TTL/hop limit and protocol must match.
        if (packet[0] >> 4 == 4)
        {
            if (packet[1] != first[1] || packet[8] != first[8] || !packet.Slice(12, 8).SequenceEqual(first.Slice(12, 8))
                || (packet[6] & 0x40) != (first[6] & 0x40)) // the same DF; neither has MF or a fragment offset (TryLayout)
                return false;
        }
        else if (!packet[..4].SequenceEqual(first[..4]) || packet[7] != first[7] || !packet.Slice(8, 32).SequenceEqual(first.Slice(8, 32)))
        {
            return false;
        }
        // TCP: ports, then acknowledgment number, data offset, flags (but PSH) and window, then options.
        var tcp = packet[tcpOffset..];
        var headTcp = first[headTcpOffset..];
        if (!tcp[..4].SequenceEqual(headTcp[..4]) || !tcp.Slice(8, 5).SequenceEqual(headTcp.Slice(8, 5))
            || ((tcp[13] ^ headTcp[13]) & ~(byte)TcpFlags.Psh) != 0 || !tcp.Slice(14, 2).SequenceEqual(headTcp.Slice(14, 2))
            || !tcp[20..(headerLength - tcpOffset)].SequenceEqual(headTcp[20..(headerLength - tcpOffset)]))
            return false;
        var expected = BinaryPrimitives.ReadUInt32BigEndian(headTcp[4..]) + (uint)(first.Length - headHeaderLength);
        if (BinaryPrimitives.ReadUInt32BigEndian(tcp[4..]) != expected || !IsChecksumValid(packet, tcpOffset))
            return false;

        packet[headerLength..].CopyTo(head.Array.AsSpan(head.Offset + head.Length));
        head.Length += payload;
        headTcp = head.Packet[headTcpOffset..];
        headTcp[13] |= (byte)(tcp[13] & (byte)TcpFlags.Psh);
        // A short segment or a PSH ends the super-packet (tcp_gro_receive flushes there too).
        closed = payload < gsoSize || (tcp[13] & (byte)TcpFlags.Psh) != 0;
        return true;
    }

    /// <summary>Fixes the lengths and the IPv4 header checksum, leaves a partial TCP checksum, and sets the GSO header.</summary>
    private static void Finish(PacketBuffer head, int gsoSize)
    {
        var packet = head.Packet;
        TryLayout(packet, out var tcpOffset, out var headerLength, checkLength: false);
        uint pseudoHeaderSum;
        byte gsoType;
        if (packet[0] >> 4 == 4)
        {
            BinaryPrimitives.WriteUInt16BigEndian(packet[2..], (ushort)packet.Length);
            Ipv4Packet.CreateUnchecked(packet).UpdateHeaderChecksum();
            pseudoHeaderSum = PseudoHeader.SumV4(packet.Slice(12, 4), packet.Slice(16, 4), (byte)IpProtocol.Tcp, packet.Length - tcpOffset);
            gsoType = VirtioNetHeader.GsoTcpV4;
        }
        else
        {
            BinaryPrimitives.WriteUInt16BigEndian(packet[4..], (ushort)(packet.Length - Ipv6HeaderLength));
            pseudoHeaderSum = PseudoHeader.SumV6(packet.Slice(8, 16), packet.Slice(24, 16), (byte)IpProtocol.Tcp, packet.Length - tcpOffset);
            gsoType = VirtioNetHeader.GsoTcpV6;
        }
        // NEEDS_CSUM: the field holds the pseudo-header sum only, which the kernel accepts as checked
        // on local delivery and completes if it ever forwards the packet.
        BinaryPrimitives.WriteUInt16BigEndian(packet[(tcpOffset + ChecksumFieldOffset)..], (ushort)~Checksum.Fold(pseudoHeaderSum));
        head.Offload = new VirtioNetHeader(VirtioNetHeader.FlagNeedsChecksum, gsoType, (ushort)headerLength, (ushort)gsoSize,
            (ushort)tcpOffset, ChecksumFieldOffset);
    }

    /// <summary>
    /// Where TCP starts and the headers end, for IPv4 without options or fragments and IPv6 without
    /// extension headers, whose length field matches the packet (<paramref name="checkLength"/>).
    /// </summary>
    private static bool TryLayout(ReadOnlySpan<byte> packet, out int tcpOffset, out int headerLength, bool checkLength = true)
    {
        tcpOffset = headerLength = 0;
        if (packet.Length >= Ipv4HeaderLength + TcpSegment.MinimumHeaderLength && packet[0] == 0x45)
        {
            if (packet[9] != (byte)IpProtocol.Tcp || (packet[6] & 0x3F) != 0 || packet[7] != 0
                || (checkLength && BinaryPrimitives.ReadUInt16BigEndian(packet[2..]) != packet.Length))
                return false;
            tcpOffset = Ipv4HeaderLength;
        }
        else if (packet.Length >= Ipv6HeaderLength + TcpSegment.MinimumHeaderLength && packet[0] >> 4 == 6)
        {
            if (packet[6] != (byte)IpProtocol.Tcp
                || (checkLength && BinaryPrimitives.ReadUInt16BigEndian(packet[4..]) + Ipv6HeaderLength != packet.Length))
                return false;
            tcpOffset = Ipv6HeaderLength;
        }
        else
        {
            return false;
        }
        headerLength = tcpOffset + (packet[tcpOffset + 12] >> 4) * 4;
        return headerLength >= tcpOffset + TcpSegment.MinimumHeaderLength && headerLength <= packet.Length;
    }

    private static bool IsChecksumValid(ReadOnlySpan<byte> packet, int tcpOffset)
    {
        var pseudoHeaderSum = tcpOffset == Ipv4HeaderLength
            ? PseudoHeader.SumV4(packet.Slice(12, 4), packet.Slice(16, 4), (byte)IpProtocol.Tcp, packet.Length - tcpOffset)
            : PseudoHeader.SumV6(packet.Slice(8, 16), packet.Slice(24, 16), (byte)IpProtocol.Tcp, packet.Length - tcpOffset);
        return Checksum.Fold(Checksum.Sum(packet[tcpOffset..], pseudoHeaderSum)) == 0;
    }
}
