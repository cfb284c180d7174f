using System.Buffers.Binary;

namespace SharpTun.Wire;

/// <summary>
/// Partial checksums of the pseudo-headers that TCP, UDP and ICMPv6 include in their checksums.
/// Pass the result as <c>initial</c> to <see cref="Checksum.Sum"/> over the upper-layer packet.
/// </summary>
public static class PseudoHeader
{
    /// <summary>
    /// The sum of the IPv4 pseudo-header: source, destination, zero, protocol and the upper-layer
    /// length (RFC 793 §3.1, RFC 768).
    /// </summary>
    /// <param name="source4">The 4-byte source address, network order.</param>
    /// <param name="destination4">The 4-byte destination address, network order.</param>
    /// <param name="protocol">The IP protocol number of the upper layer.</param>
    /// <param name="upperLayerLength">The length of the upper-layer header plus data, in bytes.</param>
    public static uint SumV4(ReadOnlySpan<byte> source4, ReadOnlySpan<byte> destination4, byte protocol, int upperLayerLength)
    {
        ArgumentOutOfRangeException.ThrowIfNotEqual(source4.Length, 4);
        ArgumentOutOfRangeException.ThrowIfNotEqual(destination4.Length, 4);
        ArgumentOutOfRangeException.ThrowIfNegative(upperLayerLength);
        ulong sum = (ulong)BinaryPrimitives.ReadUInt16BigEndian(source4)
            + BinaryPrimitives.ReadUInt16BigEndian(source4[2..])
            + BinaryPrimitives.ReadUInt16BigEndian(destination4)
            + BinaryPrimitives.ReadUInt16BigEndian(destination4[2..])
            + protocol
            + ((uint)upperLayerLength >> 16) + ((uint)upperLayerLength & 0xFFFF);
        return (uint)sum;
    }

    /// <summary>
    /// The sum of the IPv6 pseudo-header: source, destination, the 32-bit upper-layer packet length,
    /// three zero bytes and the next header value of the upper layer (RFC 8200 §8.1). The
    /// destination is the final one when a Routing header is present.
    /// </summary>
    /// <param name="source16">The 16-byte source address, network order.</param>
    /// <param name="destination16">The 16-byte (final) destination address, network order.</param>
    /// <param name="nextHeader">The upper-layer protocol number (e.g. 6, 17, 58).</param>
    /// <param name="upperLayerLength">The length of the upper-layer header plus data, in bytes.</param>
    public static uint SumV6(ReadOnlySpan<byte> source16, ReadOnlySpan<byte> destination16, byte nextHeader, int upperLayerLength)
    {
        ArgumentOutOfRangeException.ThrowIfNotEqual(source16.Length, 16);
        ArgumentOutOfRangeException.ThrowIfNotEqual(destination16.Length, 16);
        ArgumentOutOfRangeException.ThrowIfNegative(upperLayerLength);
        uint sum = Checksum.Sum(destination16, Checksum.Sum(source16));
        ulong total = (ulong)sum + nextHeader + ((uint)upperLayerLength >> 16) + ((uint)upperLayerLength & 0xFFFF);
        return (uint)total + (uint)(total >> 32);
    }
}
