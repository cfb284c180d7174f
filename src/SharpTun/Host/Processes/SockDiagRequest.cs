using System.Buffers.Binary;
using System.Runtime.InteropServices;
using static SharpTun.Host.Processes.SockDiagConstants;

namespace SharpTun.Host.Processes;

/// <summary>Builds a SOCK_DIAG_BY_FAMILY request: struct nlmsghdr then struct inet_diag_req_v2.</summary>
internal static class SockDiagRequest
{
    /// <summary>The size of a request: the header and the 56-byte inet_diag_req_v2.</summary>
    public const int Size = HeaderSize + Request.Size;

    /// <summary>
    /// An exact lookup of one socket by its ends (no NLM_F_DUMP, cookie INET_DIAG_NOCOOKIE).
    /// The kernel looks the socket up the way it would deliver a packet from the remote end to the
    /// local one, listeners and unconnected or wildcard-bound UDP sockets included. For TCP
    /// (inet_diag_find_one_icsk) idiag_src is the local end; for UDP (udp_dump_one) the two ends are
    /// swapped "for historical reasons": idiag_src is the remote end.
    /// </summary>
    public static ReadOnlySpan<byte> WriteExact(Span<byte> buffer, uint sequence, byte family, byte protocol,
        UInt128 localAddress, ushort localPort, UInt128 remoteAddress, ushort remotePort)
    {
        var request = WriteHeader(buffer, sequence, NLM_F_REQUEST, family, protocol, states: uint.MaxValue);
        var id = request.Slice(Request.SocketId, SocketId.Size);
        if (protocol == IPPROTO_UDP)
            WriteEnds(id, family, remoteAddress, remotePort, localAddress, localPort);
        else
            WriteEnds(id, family, localAddress, localPort, remoteAddress, remotePort);
        return buffer[..Size];
    }

    private static Span<byte> WriteHeader(Span<byte> buffer, uint sequence, ushort flags, byte family, byte protocol, uint states)
    {
        var message = buffer[..Size];
        message.Clear();
        MemoryMarshal.Write(message, (uint)Size);
        MemoryMarshal.Write(message[4..], SOCK_DIAG_BY_FAMILY);
        MemoryMarshal.Write(message[6..], flags);
        MemoryMarshal.Write(message[8..], sequence);
        var request = message[HeaderSize..];
        request[Request.Family] = family;
        request[Request.Protocol] = protocol;
        MemoryMarshal.Write(request[Request.States..], states);
        var id = request.Slice(Request.SocketId, SocketId.Size);
        MemoryMarshal.Write(id[SocketId.Cookie..], INET_DIAG_NOCOOKIE);
        MemoryMarshal.Write(id[(SocketId.Cookie + 4)..], INET_DIAG_NOCOOKIE);
        return request;
    }

    private static void WriteEnds(Span<byte> id, byte family, UInt128 source, ushort sourcePort, UInt128 destination, ushort destinationPort)
    {
        BinaryPrimitives.WriteUInt16BigEndian(id[SocketId.SourcePort..], sourcePort);
        BinaryPrimitives.WriteUInt16BigEndian(id[SocketId.DestinationPort..], destinationPort);
        SocketAddressKey.WriteField(source, family, id.Slice(SocketId.Source, 16));
        SocketAddressKey.WriteField(destination, family, id.Slice(SocketId.Destination, 16));
    }
}
