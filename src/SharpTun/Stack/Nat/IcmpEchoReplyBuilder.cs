using System.Buffers.Binary;
using SharpTun.Wire;

namespace SharpTun.Stack.Nat;

/// <summary>
/// Builds the packet that carries a forwarded echo's reply back to the app, in front of the ICMP
/// message where it was received: the reply's Identifier becomes the app's own again (a ping socket
/// has the kernel put the socket's port there, a raw socket ours), the Sequence Number and data stay
/// as the remote sent them, and the checksums are computed afresh (ICMPv6's covers the new
/// pseudo-header, RFC 4443 §2.3). No copy, no allocation.
/// </summary>
public static class IcmpEchoReplyBuilder
{
    /// <summary>Headroom that fits either family's IP header: receive messages at this offset.</summary>
    public const int Headroom = Ipv6Packet.HeaderLength;

    /// <summary>Hop limit of the replies we write (Linux's default ip_default_ttl).</summary>
    public const byte ReplyHopLimit = 64;

    /// <summary>
    /// Writes the IP header for the echo reply of <paramref name="messageLength"/> bytes at
    /// <paramref name="messageOffset"/>, immediately before it, and returns the packet's length
    /// (it starts at <c>messageOffset - (IPv4 ? 20 : 40)</c>). Returns 0, leaving the buffer as it
    /// is, when the message is not an echo reply (wrong type or code, or shorter than its header).
    /// </summary>
    /// <param name="buffer">Headroom, then the received ICMP or ICMPv6 message.</param>
    /// <param name="messageOffset">Where the message starts; at least the family's IP header length.</param>
    /// <param name="messageLength">The message's length.</param>
    /// <param name="remote">The address that answered (the reply's source), in network order.</param>
    /// <param name="app">The app's address (the reply's destination) with its echo Identifier as the port.</param>
    /// <exception cref="ArgumentException">The headroom is too small or the message too long for one packet.</exception>
    public static int TryBuild(Span<byte> buffer, int messageOffset, int messageLength, UInt128 remote, NatEndpoint app)
    {
        int headerLength = app.IsIPv6 ? Ipv6Packet.HeaderLength : Ipv4Packet.MinimumHeaderLength;
        ArgumentOutOfRangeException.ThrowIfLessThan(messageOffset, headerLength);
        ArgumentOutOfRangeException.ThrowIfNegative(messageLength);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(messageLength, buffer.Length - messageOffset);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(messageLength, ushort.MaxValue - headerLength);
        var message = buffer.Slice(messageOffset, messageLength);
        if (message.Length < IcmpV4Packet.HeaderLength || message[IcmpV4Packet.Field.Code] != 0
            || message[IcmpV4Packet.Field.Type] != (app.IsIPv6 ? (byte)IcmpV6Type.EchoReply : (byte)IcmpV4Type.EchoReply))
            return 0;

        // Type, code, identifier and sequence sit at the same offsets in ICMP and ICMPv6.
        BinaryPrimitives.WriteUInt16BigEndian(message[IcmpV4Packet.Field.Identifier..], app.Port);
        var packet = buffer.Slice(messageOffset - headerLength, headerLength + messageLength);
        if (app.IsIPv6)
        {
            new Ipv6Header
            {
                HopLimit = ReplyHopLimit,
                NextHeader = IpProtocol.IcmpV6,
                Source = remote,
                Destination = app.Address,
                PayloadLength = messageLength,
            }.Emit(packet);
            var pseudoHeaderSum = PseudoHeader.SumV6(packet.Slice(Ipv6Packet.Field.SourceAddress, 16), packet.Slice(Ipv6Packet.Field.DestinationAddress, 16),
                (byte)IpProtocol.IcmpV6, messageLength);
            IcmpV6Packet.CreateUnchecked(message).UpdateChecksum(pseudoHeaderSum);
        }
        else
        {
            new Ipv4Header
            {
                TimeToLive = ReplyHopLimit,
                Protocol = IpProtocol.Icmp,
                Source = (uint)remote,
                Destination = (uint)app.Address,
                PayloadLength = messageLength,
            }.Emit(packet);
            IcmpV4Packet.CreateUnchecked(message).UpdateChecksum();
        }
        return packet.Length;
    }
}
