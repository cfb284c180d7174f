using System.Runtime.InteropServices;
using SharpTun.Interop;
using SharpTun.Tun;

namespace SharpTun.Vpn.Transport;

public sealed unsafe partial class UdpTransport
{
    public void Send(ReadOnlySpan<PacketBuffer> datagrams, ReadOnlySpan<WireGuardEndpoint> destinations)
    {
        if (destinations.Length < datagrams.Length)
            throw new ArgumentException("Send needs a destination for each datagram");
        try
        {
            SendBatches(datagrams, destinations);
        }
        catch (ObjectDisposedException)
        {
            // A timer sent while the device was being disposed: nothing to send on any more.
        }
    }

    /// <summary>
    /// Sends in sendmmsg batches. Consecutive datagrams to one destination whose lengths equal the
    /// first's (the last of a run may be shorter) become one message with several iovecs and a
    /// UDP_SEGMENT control message: the kernel cuts it back into those datagrams.
    /// </summary>
    private void SendBatches(ReadOnlySpan<PacketBuffer> datagrams, ReadOnlySpan<WireGuardEndpoint> destinations)
    {
        var start = 0;
        var batch = Math.Min(datagrams.Length, MaxBatch);
        var headers = stackalloc Libc.MMsgHdr[batch];
        var vectors = stackalloc Libc.IoVec[batch];
        var names = stackalloc Libc.SockAddrIn6[batch];
        var controls = stackalloc byte[batch * SegmentControlLength];
        var runLengths = stackalloc int[batch];
        var pins = stackalloc GCHandle[batch];
        while (start < datagrams.Length && Volatile.Read(ref _closed) == 0)
        {
            var count = Math.Min(datagrams.Length - start, batch);
            for (var i = 0; i < count; i++)
                pins[i] = GCHandle.Alloc(datagrams[start + i].Array, GCHandleType.Pinned);
            int sent;
            try
            {
                for (var i = 0; i < count; i++)
                {
                    var buffer = datagrams[start + i];
                    vectors[i].Base = (byte*)pins[i].AddrOfPinnedObject() + buffer.Offset;
                    vectors[i].Length = (nuint)buffer.Length;
                }
                var messages = 0;
                for (var i = 0; i < count; messages++)
                {
                    var run = _segmentSends ? RunLength(datagrams.Slice(start + i, count - i), destinations.Slice(start + i, count - i)) : 1;
                    var nameLength = WriteName(destinations[start + i], &names[messages]);
                    var control = controls + messages * SegmentControlLength;
                    if (run > 1)
                    {
                        *(nuint*)control = CmsgHeaderLength + sizeof(ushort);
                        *(int*)(control + 8) = SOL_UDP;
                        *(int*)(control + 12) = UDP_SEGMENT;
                        *(ushort*)(control + CmsgHeaderLength) = (ushort)datagrams[start + i].Length;
                    }
                    headers[messages] = new Libc.MMsgHdr
                    {
                        Header = new Libc.MsgHdr
                        {
                            Name = &names[messages], NameLength = nameLength, Iov = &vectors[i], IovLength = (nuint)run,
                            Control = run > 1 ? control : null, ControlLength = run > 1 ? (nuint)SegmentControlLength : 0,
                        },
                    };
                    runLengths[messages] = run;
                    i += run;
                }
                sent = Libc.SendMmsg(_socket.SafeHandle, headers, (uint)messages, 0);
            }
            finally
            {
                for (var i = 0; i < count; i++)
                    pins[i].Free();
            }
            if (sent > 0)
            {
                for (var m = 0; m < sent; m++)
                    start += runLengths[m];
                continue;
            }
            var errno = Marshal.GetLastPInvokeError();
            if (errno == Errno.EAGAIN)
            {
                // The send buffer is full: wait for room rather than drop a whole batch.
                WaitWritable();
            }
            else if (errno == Errno.EINTR)
            {
                continue;
            }
            else if (runLengths[0] > 1 && errno is Errno.EIO or Errno.EINVAL or ENOPROTOOPT or Errno.EOPNOTSUPP)
            {
                // This kernel or route cannot segment: send datagram by datagram from now on.
                _segmentSends = false;
            }
            else
            {
                // These datagrams cannot go (no route, unreachable, too big, wrong family): skip them.
                start += runLengths[0];
            }
        }
    }

    /// <summary>How many datagrams from the first on can go as one segmented send.</summary>
    private static int RunLength(ReadOnlySpan<PacketBuffer> datagrams, ReadOnlySpan<WireGuardEndpoint> destinations)
    {
        var size = datagrams[0].Length;
        var total = size;
        var run = 1;
        while (run < datagrams.Length && run < MaxSegments)
        {
            var length = datagrams[run].Length;
            if (length > size || length == 0 || total + length > MaxSegmentedBytes || destinations[run] != destinations[0])
                break;
            total += length;
            run++;
            if (length < size)
                break;
        }
        return run;
    }
}
