using SharpTun.Wire;

namespace SharpTun.Benchmarks.Wire;

/// <summary>Packets built once in benchmark setup with the wire layer's own builders.</summary>
internal static class SamplePackets
{
    /// <summary>
    /// IPv4 10.0.0.2:51234 → 93.184.216.34:443, TCP with <paramref name="flags"/>, Linux SYN options
    /// (MSS, SACK permitted, timestamps, window scale) and <paramref name="payloadLength"/> bytes of
    /// data, checksums set.
    /// </summary>
    public static byte[] Ipv4Tcp(TcpFlags flags, int payloadLength)
    {
        Span<byte> options = stackalloc byte[TcpOptionWriter.MaximumLength];
        var writer = new TcpOptionWriter(options);
        writer.WriteMaximumSegmentSize(1460);
        writer.WriteSackPermitted();
        writer.WriteTimestamps(0x9a3c51e2, 0);
        writer.WriteNoOperation();
        writer.WriteWindowScale(7);
        int optionsLength = writer.PadToWordBoundary();

        int tcpLength = TcpSegment.MinimumHeaderLength + optionsLength + payloadLength;
        var bytes = new byte[Ipv4Packet.MinimumHeaderLength + tcpLength];
        new Ipv4Header
        {
            Identification = 0x1c46,
            DontFragment = true,
            Protocol = IpProtocol.Tcp,
            Source = 0x0A000002,
            Destination = 0x5DB8D822,
            PayloadLength = tcpLength,
        }.Emit(bytes);
        var segmentBytes = bytes.AsSpan(Ipv4Packet.MinimumHeaderLength);
        int headerLength = new TcpHeader
        {
            SourcePort = 51234,
            DestinationPort = 443,
            SequenceNumber = 0x6b8b4567,
            Flags = flags,
            WindowSize = 64240,
        }.Emit(segmentBytes, options[..optionsLength]);
        new Random(9293).NextBytes(segmentBytes[headerLength..]);

        var packet = Ipv4Packet.CreateUnchecked(bytes);
        TcpSegment.CreateUnchecked(packet.Payload).UpdateChecksum(packet.PseudoHeaderSum());
        return bytes;
    }
}
