using System.Buffers.Binary;
using System.Runtime.InteropServices;
using static SharpTun.Host.Processes.SockDiagConstants;

namespace SharpTun.Host.Processes;

/// <summary>
/// One socket as sock_diag(7) reports it (struct inet_diag_msg), validated. Addresses are
/// <see cref="SocketAddressKey"/> values; Local is the socket's own end (bound address and port),
/// Remote its peer (zero for an unconnected UDP socket).
/// </summary>
internal readonly record struct InetDiagMessage(
    byte Family,
    byte State,
    UInt128 LocalAddress,
    ushort LocalPort,
    UInt128 RemoteAddress,
    ushort RemotePort,
    uint InterfaceIndex,
    uint Uid,
    uint Inode)
{
    /// <summary>
    /// Reads a SOCK_DIAG_BY_FAMILY payload; false when it is shorter than struct inet_diag_msg or
    /// its family is neither AF_INET nor AF_INET6. Attributes after the struct are ignored.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> payload, out InetDiagMessage message)
    {
        message = default;
        if (payload.Length < Message.Size)
            return false;
        var family = payload[Message.Family];
        if (family is not (AF_INET or AF_INET6))
            return false;
        var id = payload.Slice(Message.SocketId, SocketId.Size);
        message = new InetDiagMessage(
            family,
            payload[Message.State],
            SocketAddressKey.FromField(id.Slice(SocketId.Source, 16), family),
            BinaryPrimitives.ReadUInt16BigEndian(id[SocketId.SourcePort..]),
            SocketAddressKey.FromField(id.Slice(SocketId.Destination, 16), family),
            BinaryPrimitives.ReadUInt16BigEndian(id[SocketId.DestinationPort..]),
            MemoryMarshal.Read<uint>(id[SocketId.Interface..]),
            MemoryMarshal.Read<uint>(payload[Message.Uid..]),
            MemoryMarshal.Read<uint>(payload[Message.Inode..]));
        return true;
    }
}
