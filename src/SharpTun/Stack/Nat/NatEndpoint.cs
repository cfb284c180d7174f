using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace SharpTun.Stack.Nat;

/// <summary>
/// An IP address and port as the NAT stores them: the address is a 128-bit number in network order
/// (an IPv4 address in the low 32 bits, 10.0.0.1 is 0x0A000001), so keys are plain values that hash
/// and compare without allocating.
/// </summary>
/// <param name="Address">The address as a number in network order.</param>
/// <param name="Port">The port in host order.</param>
/// <param name="IsIPv6">True for IPv6; keeps ::a00:1 and 10.0.0.1 apart.</param>
public readonly record struct NatEndpoint(UInt128 Address, ushort Port, bool IsIPv6)
{
    /// <summary>An IPv4 endpoint from a network-order address number.</summary>
    public static NatEndpoint V4(uint address, ushort port) => new(address, port, false);

    /// <summary>An IPv6 endpoint from a network-order address number.</summary>
    public static NatEndpoint V6(UInt128 address, ushort port) => new(address, port, true);

    /// <summary>
    /// The endpoint of a socket address, e.g. the peer of an accepted connection. An IPv4-mapped
    /// IPv6 address (::ffff:a.b.c.d, RFC 4291 §2.5.5.2, what a dual-stack listener reports) becomes
    /// the IPv4 endpoint. Allocates nothing.
    /// </summary>
    public static NatEndpoint FromIPEndPoint(IPEndPoint endPoint)
    {
        ArgumentNullException.ThrowIfNull(endPoint);
        return FromIPAddress(endPoint.Address, (ushort)endPoint.Port);
    }

    /// <summary>The endpoint of an address and port; an IPv4-mapped IPv6 address becomes IPv4, as in <see cref="FromIPEndPoint"/>. Allocates nothing.</summary>
    public static NatEndpoint FromIPAddress(IPAddress address, ushort port)
    {
        ArgumentNullException.ThrowIfNull(address);
        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteBytes(bytes, out int written);
        if (written == 16 && address.IsIPv4MappedToIPv6)
            return V4(BinaryPrimitives.ReadUInt32BigEndian(bytes[12..]), port);
        return written == 4
            ? V4(BinaryPrimitives.ReadUInt32BigEndian(bytes), port)
            : V6(BinaryPrimitives.ReadUInt128BigEndian(bytes), port);
    }

    /// <summary>The address as an <see cref="IPAddress"/>; allocates, for logs and sockets.</summary>
    public IPAddress ToIPAddress()
    {
        Span<byte> bytes = stackalloc byte[16];
        if (IsIPv6)
        {
            BinaryPrimitives.WriteUInt128BigEndian(bytes, Address);
            return new IPAddress(bytes);
        }
        BinaryPrimitives.WriteUInt32BigEndian(bytes, (uint)Address);
        return new IPAddress(bytes[..4]);
    }

    /// <summary>The endpoint as an <see cref="IPEndPoint"/>; allocates, for logs and sockets.</summary>
    public IPEndPoint ToIPEndPoint() => new(ToIPAddress(), Port);

    /// <summary>The address family of the endpoint.</summary>
    public AddressFamily AddressFamily => IsIPv6 ? AddressFamily.InterNetworkV6 : AddressFamily.InterNetwork;

    /// <summary>"10.0.0.1:443" or "[fd00::1]:443".</summary>
    public override string ToString() => ToIPEndPoint().ToString();
}
