using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using SharpTun.Stack.Nat;

namespace SharpTun.Stack.Proxy;

/// <summary>
/// Reads and writes a Linux sockaddr_in / sockaddr_in6 held in a <see cref="SocketAddress"/> as a
/// <see cref="NatEndpoint"/>, without allocating: the per-datagram send and receive paths reuse one
/// <see cref="SocketAddress"/> each instead of building an <see cref="IPEndPoint"/> per packet.
/// </summary>
internal static class NatSocketAddress
{
    // struct sockaddr_in { sa_family_t; in_port_t (big endian); struct in_addr; ... }
    // struct sockaddr_in6 { sa_family_t; in_port_t; uint32_t flowinfo; struct in6_addr; uint32_t scope_id; }
    private const int Port = 2, Ipv4Address = 4, FlowInfo = 4, Ipv6Address = 8, ScopeId = 24;

    /// <summary>The endpoint in <paramref name="address"/> (an IPv4-mapped IPv6 address stays IPv6).</summary>
    public static NatEndpoint Read(SocketAddress address)
    {
        var bytes = address.Buffer.Span;
        var port = BinaryPrimitives.ReadUInt16BigEndian(bytes[Port..]);
        return address.Family == AddressFamily.InterNetworkV6
            ? NatEndpoint.V6(BinaryPrimitives.ReadUInt128BigEndian(bytes[Ipv6Address..]), port)
            : NatEndpoint.V4(BinaryPrimitives.ReadUInt32BigEndian(bytes[Ipv4Address..]), port);
    }

    /// <summary>Stores <paramref name="endpoint"/> in <paramref name="address"/>, which must be of the endpoint's family.</summary>
    public static void Write(NatEndpoint endpoint, SocketAddress address)
    {
        if (address.Family != endpoint.AddressFamily)
            throw new ArgumentException($"a {address.Family} socket address cannot hold {endpoint}", nameof(address));
        var bytes = address.Buffer.Span;
        BinaryPrimitives.WriteUInt16BigEndian(bytes[Port..], endpoint.Port);
        if (endpoint.IsIPv6)
        {
            BinaryPrimitives.WriteUInt32BigEndian(bytes[FlowInfo..], 0);
            BinaryPrimitives.WriteUInt128BigEndian(bytes[Ipv6Address..], endpoint.Address);
            BinaryPrimitives.WriteUInt32LittleEndian(bytes[ScopeId..], 0);
        }
        else
        {
            BinaryPrimitives.WriteUInt32BigEndian(bytes[Ipv4Address..], (uint)endpoint.Address);
        }
    }
}
