using System.Buffers.Binary;
using System.Net;

namespace SharpTun.Tests;

/// <summary>Builds small IPv4 packets with valid checksums for TUN tests (independent of SharpTun.Wire).</summary>
internal static class TestPackets
{
    public const byte Udp = 17, Icmp = 1;

    /// <summary>An IPv4/UDP packet with correct header and UDP checksums.</summary>
    public static byte[] Ipv4Udp(IPAddress source, ushort sourcePort, IPAddress destination, ushort destinationPort, ReadOnlySpan<byte> payload)
    {
        var packet = new byte[20 + 8 + payload.Length];
        WriteIpv4Header(packet, source, destination, Udp);
        var udp = packet.AsSpan(20);
        BinaryPrimitives.WriteUInt16BigEndian(udp, sourcePort);
        BinaryPrimitives.WriteUInt16BigEndian(udp[2..], destinationPort);
        BinaryPrimitives.WriteUInt16BigEndian(udp[4..], (ushort)udp.Length);
        payload.CopyTo(udp[8..]);
        var pseudo = new byte[12 + udp.Length];
        source.GetAddressBytes().CopyTo(pseudo, 0);
        destination.GetAddressBytes().CopyTo(pseudo, 4);
        pseudo[9] = Udp;
        BinaryPrimitives.WriteUInt16BigEndian(pseudo.AsSpan(10), (ushort)udp.Length);
        udp.CopyTo(pseudo.AsSpan(12));
        var checksum = Checksum(pseudo);
        BinaryPrimitives.WriteUInt16BigEndian(udp[6..], checksum == 0 ? (ushort)0xffff : checksum);
        return packet;
    }

    /// <summary>An IPv4 ICMP echo request (type 8) carrying <paramref name="payloadLength"/> bytes.</summary>
    public static byte[] Ipv4EchoRequest(IPAddress source, IPAddress destination, ushort identifier, int payloadLength)
    {
        var packet = new byte[20 + 8 + payloadLength];
        WriteIpv4Header(packet, source, destination, Icmp);
        var icmp = packet.AsSpan(20);
        icmp[0] = 8;
        BinaryPrimitives.WriteUInt16BigEndian(icmp[4..], identifier);
        BinaryPrimitives.WriteUInt16BigEndian(icmp[2..], Checksum(icmp));
        return packet;
    }

    /// <summary>True for an IPv4 packet with the given protocol (ICMP type 0 = echo reply when <paramref name="icmpType"/> is given).</summary>
    public static bool IsIpv4(ReadOnlySpan<byte> packet, byte protocol, int icmpType = -1) =>
        packet.Length >= 28 && packet[0] >> 4 == 4 && packet[9] == protocol && (icmpType < 0 || packet[20] == icmpType);

    private static void WriteIpv4Header(Span<byte> packet, IPAddress source, IPAddress destination, byte protocol)
    {
        packet[0] = 0x45;
        BinaryPrimitives.WriteUInt16BigEndian(packet[2..], (ushort)packet.Length);
        packet[8] = 64;
        packet[9] = protocol;
        source.TryWriteBytes(packet[12..], out _);
        destination.TryWriteBytes(packet[16..], out _);
        BinaryPrimitives.WriteUInt16BigEndian(packet[10..], Checksum(packet[..20]));
    }

    private static ushort Checksum(ReadOnlySpan<byte> data)
    {
        uint sum = 0;
        for (var i = 0; i + 1 < data.Length; i += 2)
            sum += BinaryPrimitives.ReadUInt16BigEndian(data[i..]);
        if (data.Length % 2 == 1)
            sum += (uint)data[^1] << 8;
        while (sum >> 16 != 0)
            sum = (sum & 0xffff) + (sum >> 16);
        return (ushort)~sum;
    }
}
