using System.Runtime.InteropServices;
using static SharpTun.Host.Processes.SockDiagConstants;

namespace SharpTun.Host.Processes;

/// <summary>
/// Walks the netlink messages (struct nlmsghdr: u32 length, u16 type, u16 flags, u32 sequence,
/// u32 port id, then the payload, padded to 4 bytes) of one datagram read from a sock_diag socket,
/// skipping messages of other sequence numbers. Untrusted bytes: a bad length ends the walk with
/// one <see cref="SockDiagReplyKind.Malformed"/>, never an exception.
/// </summary>
internal ref struct SockDiagReplyReader(ReadOnlySpan<byte> datagram, uint sequence)
{
    private const int LengthOffset = 0, TypeOffset = 4, SequenceOffset = 8, ErrorSize = 4;

    private ReadOnlySpan<byte> _rest = datagram;

    /// <summary>
    /// The next message for our sequence: a socket (<paramref name="message"/> set), an error
    /// (<paramref name="errno"/> positive, or 0 for an ack), the end of a dump, or a malformed
    /// message. False when the datagram holds no more.
    /// </summary>
    public bool TryNext(out SockDiagReplyKind kind, out InetDiagMessage message, out int errno)
    {
        message = default;
        errno = 0;
        kind = SockDiagReplyKind.Malformed;
        while (_rest.Length > 0)
        {
            if (_rest.Length < HeaderSize)
                return Stop();
            var length = MemoryMarshal.Read<uint>(_rest[LengthOffset..]);
            if (length < HeaderSize || length > (uint)_rest.Length)
                return Stop();
            var type = MemoryMarshal.Read<ushort>(_rest[TypeOffset..]);
            var messageSequence = MemoryMarshal.Read<uint>(_rest[SequenceOffset..]);
            var payload = _rest[HeaderSize..(int)length];
            _rest = _rest[Math.Min(Align((int)length), _rest.Length)..];
            if (messageSequence != sequence)
                continue;
            switch (type)
            {
                case NLMSG_DONE:
                    kind = SockDiagReplyKind.Done;
                    return true;
                case NLMSG_ERROR:
                    if (payload.Length < ErrorSize)
                        return Stop();
                    kind = SockDiagReplyKind.Error;
                    errno = -MemoryMarshal.Read<int>(payload);
                    return true;
                case SOCK_DIAG_BY_FAMILY:
                    if (!InetDiagMessage.TryParse(payload, out message))
                        return Stop();
                    kind = SockDiagReplyKind.Socket;
                    return true;
                default:
                    continue; // NLMSG_NOOP or a type this reader does not know
            }
        }
        return false;
    }

    private bool Stop()
    {
        _rest = default;
        return true; // kind is Malformed
    }

    private static int Align(int length) => (length + 3) & ~3;
}
