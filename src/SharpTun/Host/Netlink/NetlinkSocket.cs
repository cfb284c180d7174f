using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;
using SharpTun.Interop;
using static SharpTun.Host.Netlink.NetlinkConstants;

namespace SharpTun.Host.Netlink;

/// <summary>
/// A NETLINK_ROUTE socket that sends one request at a time and waits for its acknowledgement.
/// The socket belongs to the network namespace of the thread that opened it, whatever thread
/// uses it later.
/// </summary>
internal sealed class NetlinkSocket : IDisposable
{
    private const int ReceiveBufferSize = 64 * 1024;
    private static readonly TimeSpan ReplyTimeout = TimeSpan.FromSeconds(10);

    private readonly Socket _socket;
    private readonly byte[] _receive = new byte[ReceiveBufferSize];
    private uint _sequence;

    private NetlinkSocket(Socket socket) => _socket = socket;

    public static NetlinkSocket Open()
    {
        var fd = Errno.ThrowIfFailed(
            Libc.Socket(Libc.AF_NETLINK, Libc.SOCK_RAW | Libc.SOCK_CLOEXEC, Libc.NETLINK_ROUTE),
            "socket(AF_NETLINK, NETLINK_ROUTE)");
        var socket = new Socket(new SafeSocketHandle(fd, ownsHandle: true));
        try
        {
            // Extended acks carry the kernel's own explanation ("mtu less than device minimum");
            // capped acks stop the kernel echoing our request back in every error. Both are
            // optional: without them errors are still reported by errno alone.
            TrySetOption(socket, NETLINK_EXT_ACK);
            TrySetOption(socket, NETLINK_CAP_ACK);
            socket.ReceiveTimeout = (int)ReplyTimeout.TotalMilliseconds;
            return new NetlinkSocket(socket);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    public uint NextSequence() => ++_sequence;

    /// <summary>
    /// Sends <paramref name="request"/> (built with NLM_F_ACK and sequence
    /// <paramref name="sequence"/>) and reads until its acknowledgement. Returns a copy of the
    /// first non-error reply's payload (for GET requests), or null. A negative ack throws
    /// <see cref="InteropException"/> naming <paramref name="operation"/>.
    /// </summary>
    public byte[]? Request(ReadOnlySpan<byte> request, uint sequence, string operation, Func<int, string?>? hint = null)
    {
        byte[]? reply = null;
        Exchange(request, sequence, operation, hint, payload => reply ??= payload.ToArray());
        return reply;
    }

    /// <summary>
    /// Sends a dump request (NLM_F_DUMP, sequence <paramref name="sequence"/>) and returns a copy of
    /// every reply's payload, up to NLMSG_DONE. An error reply throws <see cref="InteropException"/>.
    /// </summary>
    public List<byte[]> Dump(ReadOnlySpan<byte> request, uint sequence, string operation)
    {
        var replies = new List<byte[]>();
        Exchange(request, sequence, operation, null, payload => replies.Add(payload.ToArray()));
        return replies;
    }

    private delegate void ReplyHandler(ReadOnlySpan<byte> payload);

    /// <summary>Sends the request and hands every reply with its sequence number to <paramref name="onReply"/> until NLMSG_DONE or the ack.</summary>
    private void Exchange(ReadOnlySpan<byte> request, uint sequence, string operation, Func<int, string?>? hint, ReplyHandler onReply)
    {
        _socket.Send(request);
        while (true)
        {
            int received;
            try
            {
                received = _socket.Receive(_receive);
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.TimedOut)
            {
                throw new TimeoutException($"{operation}: no netlink reply within {ReplyTimeout.TotalSeconds} s");
            }
            var messages = _receive.AsSpan(0, received);
            while (messages.Length >= HeaderSize)
            {
                var length = (int)MemoryMarshal.Read<uint>(messages);
                if (length < HeaderSize || length > messages.Length)
                    break;
                var type = MemoryMarshal.Read<ushort>(messages[4..]);
                var flags = MemoryMarshal.Read<ushort>(messages[6..]);
                var messageSequence = MemoryMarshal.Read<uint>(messages[8..]);
                var payload = messages[HeaderSize..length];
                messages = messages[Math.Min(NetlinkMessageWriter.Align(length), messages.Length)..];
                if (messageSequence != sequence)
                    continue;
                if (type == NLMSG_DONE)
                    return;
                if (type != NLMSG_ERROR)
                {
                    onReply(payload);
                    continue;
                }
                var error = MemoryMarshal.Read<int>(payload);
                if (error == 0)
                    return;
                throw new InteropException(operation, -error, ExtendedAckMessage(payload, flags), hint?.Invoke(-error) ?? Errno.CommonHint(-error));
            }
        }
    }

    public void Dispose() => _socket.Dispose();

    /// <summary>
    /// The NLMSGERR_ATTR_MSG text of an error ack, if any. struct nlmsgerr is the error code and the
    /// request's header, followed by the request's payload unless the ack is capped, then TLVs.
    /// </summary>
    private static string? ExtendedAckMessage(ReadOnlySpan<byte> payload, ushort flags)
    {
        if ((flags & NLM_F_ACK_TLVS) == 0 || payload.Length < 4 + HeaderSize)
            return null;
        var offset = 4 + HeaderSize;
        if ((flags & NLM_F_CAPPED) == 0)
            offset = 4 + NetlinkMessageWriter.Align((int)MemoryMarshal.Read<uint>(payload[4..]));
        if (offset > payload.Length)
            return null;
        var reader = new NetlinkAttributeReader(payload[offset..]);
        while (reader.TryNext(out var type, out var value))
        {
            if (type == NLMSGERR_ATTR_MSG)
                return Encoding.UTF8.GetString(value.TrimEnd((byte)0));
        }
        return null;
    }

    private static void TrySetOption(Socket socket, int option)
    {
        Span<byte> on = stackalloc byte[sizeof(int)];
        MemoryMarshal.Write(on, 1);
        try
        {
            socket.SetRawSocketOption(SOL_NETLINK, option, on);
        }
        catch (SocketException)
        {
            // Older kernels lack the option; errors then carry errno only.
        }
    }
}
