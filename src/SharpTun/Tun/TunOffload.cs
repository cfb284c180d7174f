using System.Buffers.Binary;
using SharpTun.Wire;

namespace SharpTun.Tun;

/// <summary>
/// Finishes in user space what a TUN opened with <see cref="TunOptions.Offload"/> left to "the
/// hardware", for packets that leave the host some other way than back through the TUN (a VPN seals
/// them): completing partial checksums, and cutting TCP super-packets into segments the way the
/// kernel's tcp_gso_segment does (net/ipv4/tcp_offload.c). Allocates nothing.
/// </summary>
public static class TunOffload
{
    private const int Ipv4TotalLengthOffset = 2, Ipv4IdentificationOffset = 4, Ipv6PayloadLengthOffset = 4, Ipv6HeaderLength = 40;

    /// <summary>
    /// Completes a partial checksum in place (VIRTIO_NET_HDR_F_NEEDS_CSUM): the field at
    /// ChecksumStart + ChecksumOffset holds the pseudo-header sum, so summing from ChecksumStart to
    /// the end, folding and complementing gives the full checksum (what skb_checksum_help does). A
    /// UDP result of zero is sent as 0xFFFF (RFC 768). False when the offsets do not fit the packet.
    /// </summary>
    public static bool TryCompleteChecksum(Span<byte> packet, VirtioNetHeader header)
    {
        int start = header.ChecksumStart, field = start + header.ChecksumOffset;
        if (!header.NeedsChecksum || field + 2 > packet.Length || header.ChecksumOffset % 2 != 0)
            return false;
        var checksum = Checksum.Compute(packet[start..]);
        if (checksum == 0 && header.ChecksumOffset == 6)
            checksum = 0xFFFF;
        BinaryPrimitives.WriteUInt16BigEndian(packet[field..], checksum);
        return true;
    }

    /// <summary>
    /// How many segments <see cref="Segment"/> makes of a super-packet (its TCP payload over
    /// GsoSize, rounded up), or 0 when it is not a TCP super-packet this class can cut: GSO type and
    /// IP version must agree, the TCP header must start at ChecksumStart and fit in the packet.
    /// </summary>
    public static int SegmentCount(ReadOnlySpan<byte> packet, VirtioNetHeader header)
    {
        if (!TryGetLayout(packet, header, out var headerLength))
            return 0;
        var payload = packet.Length - headerLength;
        return payload <= 0 ? 1 : (payload + header.GsoSize - 1) / header.GsoSize;
    }

    /// <summary>
    /// Cuts a TCP super-packet into <see cref="SegmentCount"/> packets, one per buffer of
    /// <paramref name="segments"/> (each written after its headroom, with <c>Offload = default</c>):
    /// every segment gets the headers with its own length, sequence number and, over IPv4, an
    /// Identification one higher than the previous; FIN and PSH stay on the last segment only and CWR
    /// on the first only (RFC 3168 §6.1.2); IP and TCP checksums are complete. Returns the number of
    /// segments, or 0 when the packet cannot be cut (see <see cref="SegmentCount"/>) or a buffer is
    /// too small or missing.
    /// </summary>
    public static int Segment(ReadOnlySpan<byte> packet, VirtioNetHeader header, ReadOnlySpan<PacketBuffer> segments)
    {
        var count = SegmentCount(packet, header);
        if (count == 0 || count > segments.Length)
            return 0;
        TryGetLayout(packet, header, out var headerLength);
        int tcpOffset = header.ChecksumStart;
        bool isIPv4 = packet[0] >> 4 == 4;
        var sequence = BinaryPrimitives.ReadUInt32BigEndian(packet[(tcpOffset + 4)..]);
        var identification = isIPv4 ? BinaryPrimitives.ReadUInt16BigEndian(packet[Ipv4IdentificationOffset..]) : (ushort)0;
        var flags = (TcpFlags)packet[tcpOffset + 13];
        var payload = packet[headerLength..];
        for (var i = 0; i < count; i++)
        {
            var chunk = payload.Slice(i * header.GsoSize, Math.Min(header.GsoSize, payload.Length - i * header.GsoSize));
            var buffer = segments[i];
            var length = headerLength + chunk.Length;
            if (buffer.ReadSpace.Length < length)
                return 0;
            var segment = buffer.ReadSpace[..length];
            packet[..headerLength].CopyTo(segment);
            chunk.CopyTo(segment[headerLength..]);
            uint pseudoHeaderSum;
            if (isIPv4)
            {
                BinaryPrimitives.WriteUInt16BigEndian(segment[Ipv4TotalLengthOffset..], (ushort)length);
                BinaryPrimitives.WriteUInt16BigEndian(segment[Ipv4IdentificationOffset..], (ushort)(identification + i));
                var ip = Ipv4Packet.CreateUnchecked(segment);
                ip.UpdateHeaderChecksum();
                pseudoHeaderSum = PseudoHeader.SumV4(segment.Slice(12, 4), segment.Slice(16, 4), (byte)IpProtocol.Tcp, length - tcpOffset);
            }
            else
            {
                BinaryPrimitives.WriteUInt16BigEndian(segment[Ipv6PayloadLengthOffset..], (ushort)(length - Ipv6HeaderLength));
                pseudoHeaderSum = PseudoHeader.SumV6(segment.Slice(8, 16), segment.Slice(24, 16), (byte)IpProtocol.Tcp, length - tcpOffset);
            }
            var tcp = TcpSegment.CreateUnchecked(segment[tcpOffset..]);
            tcp.SequenceNumber = sequence + (uint)(i * header.GsoSize);
            var segmentFlags = flags;
            if (i < count - 1)
                segmentFlags &= ~(TcpFlags.Fin | TcpFlags.Psh);
            if (i > 0)
                segmentFlags &= ~TcpFlags.Cwr;
            tcp.Flags = segmentFlags;
            tcp.UpdateChecksum(pseudoHeaderSum);
            buffer.Offset = buffer.Headroom;
            buffer.Length = length;
            buffer.Offload = default;
        }
        return count;
    }

    /// <summary>Checks what <see cref="SegmentCount"/> promises; <paramref name="headerLength"/> is IP plus TCP headers.</summary>
    private static bool TryGetLayout(ReadOnlySpan<byte> packet, VirtioNetHeader header, out int headerLength)
    {
        headerLength = 0;
        if (packet.Length < Ipv6HeaderLength / 2 || header.GsoSize == 0)
            return false;
        var gsoType = header.GsoType & ~VirtioNetHeader.GsoEcn;
        int version = packet[0] >> 4;
        int tcpOffset = header.ChecksumStart;
        if (version == 4 && gsoType == VirtioNetHeader.GsoTcpV4)
        {
            int ipHeaderLength = (packet[0] & 0x0F) * 4;
            if (ipHeaderLength < 20 || tcpOffset != ipHeaderLength || packet[9] != (byte)IpProtocol.Tcp)
                return false;
        }
        else if (version != 6 || gsoType != VirtioNetHeader.GsoTcpV6 || tcpOffset < Ipv6HeaderLength)
        {
            return false;
        }
        if (packet.Length < tcpOffset + TcpSegment.MinimumHeaderLength)
            return false;
        headerLength = tcpOffset + (packet[tcpOffset + 12] >> 4) * 4;
        return headerLength >= tcpOffset + TcpSegment.MinimumHeaderLength && headerLength <= packet.Length;
    }
}
