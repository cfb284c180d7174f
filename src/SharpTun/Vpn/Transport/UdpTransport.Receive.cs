using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using SharpTun.Interop;
using SharpTun.Tun;

namespace SharpTun.Vpn.Transport;

public sealed unsafe partial class UdpTransport
{
    public int Receive(Span<PacketBuffer> datagrams, Span<WireGuardEndpoint> sources)
    {
        if (datagrams.IsEmpty || sources.Length < datagrams.Length)
            throw new ArgumentException("Receive needs at least one buffer and a source slot for each");
        return _coalesced is null ? ReceiveDirect(datagrams, sources) : ReceiveCoalesced(datagrams, sources);
    }

    /// <summary>recvmmsg straight into the caller's buffers: one datagram each.</summary>
    private int ReceiveDirect(Span<PacketBuffer> datagrams, Span<WireGuardEndpoint> sources)
    {
        var count = Math.Min(datagrams.Length, MaxBatch);
        var headers = stackalloc Libc.MMsgHdr[count];
        var vectors = stackalloc Libc.IoVec[count];
        var names = stackalloc Libc.SockAddrIn6[count];
        var pins = stackalloc GCHandle[count];
        while (true)
        {
            if (!WaitReadable())
                return 0;
            for (var i = 0; i < count; i++)
                pins[i] = GCHandle.Alloc(datagrams[i].Array, GCHandleType.Pinned);
            int received;
            try
            {
                for (var i = 0; i < count; i++)
                {
                    var buffer = datagrams[i];
                    vectors[i].Base = (byte*)pins[i].AddrOfPinnedObject() + buffer.Headroom;
                    vectors[i].Length = (nuint)(buffer.Array.Length - buffer.Headroom);
                    headers[i] = new Libc.MMsgHdr
                    {
                        Header = new Libc.MsgHdr { Name = &names[i], NameLength = (uint)sizeof(Libc.SockAddrIn6), Iov = &vectors[i], IovLength = 1 },
                    };
                }
                received = Libc.RecvMmsg(_socket.SafeHandle, headers, (uint)count, Libc.MSG_DONTWAIT, null);
            }
            finally
            {
                for (var i = 0; i < count; i++)
                    pins[i].Free();
            }
            if (received < 0)
            {
                var errno = Marshal.GetLastPInvokeError();
                // EAGAIN: another wakeup raced us; ECONNREFUSED: an ICMP error from an earlier send.
                if (errno is Errno.EAGAIN or Errno.EINTR or ECONNREFUSED)
                    continue;
                Errno.Throw(errno, $"recvmmsg on WireGuard UDP port {LocalPort}");
            }
            var kept = 0;
            for (var i = 0; i < received; i++)
            {
                // MSG_TRUNC: the datagram did not fit; it cannot be a message we could use.
                if ((headers[i].Header.Flags & MSG_TRUNC) != 0)
                    continue;
                var buffer = datagrams[kept];
                if (kept != i)
                    datagrams[i].Array.AsSpan(datagrams[i].Headroom, (int)headers[i].Length).CopyTo(buffer.ReadSpace);
                buffer.Offset = buffer.Headroom;
                buffer.Length = (int)headers[i].Length;
                sources[kept] = ToEndpoint(names[i]);
                kept++;
            }
            if (kept > 0)
                return kept;
        }
    }

    /// <summary>
    /// recvmmsg into the pinned coalescing buffers; each message may hold a run of datagrams of
    /// the size the UDP_GRO control message gives (the last may be shorter). Copies one datagram
    /// into each caller buffer; what does not fit waits for the next call.
    /// </summary>
    private int ReceiveCoalesced(Span<PacketBuffer> datagrams, Span<WireGuardEndpoint> sources)
    {
        var headers = stackalloc Libc.MMsgHdr[CoalescedMessages];
        var vectors = stackalloc Libc.IoVec[CoalescedMessages];
        var names = stackalloc Libc.SockAddrIn6[CoalescedMessages];
        var controls = stackalloc byte[CoalescedMessages * CoalescedControlLength];
        var coalesced = (byte*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(_coalesced!));
        while (true)
        {
            if (_segmentNext < _segmentCount)
                return HandOutSegments(datagrams, sources);
            if (!WaitReadable())
                return 0;
            for (var i = 0; i < CoalescedMessages; i++)
            {
                vectors[i].Base = coalesced + i * CoalescedBufferBytes;
                vectors[i].Length = CoalescedBufferBytes;
                headers[i] = new Libc.MMsgHdr
                {
                    Header = new Libc.MsgHdr
                    {
                        Name = &names[i], NameLength = (uint)sizeof(Libc.SockAddrIn6), Iov = &vectors[i], IovLength = 1,
                        Control = controls + i * CoalescedControlLength, ControlLength = CoalescedControlLength,
                    },
                };
            }
            var received = Libc.RecvMmsg(_socket.SafeHandle, headers, CoalescedMessages, Libc.MSG_DONTWAIT, null);
            if (received < 0)
            {
                var errno = Marshal.GetLastPInvokeError();
                if (errno is Errno.EAGAIN or Errno.EINTR or ECONNREFUSED)
                    continue;
                Errno.Throw(errno, $"recvmmsg on WireGuard UDP port {LocalPort}");
            }
            _segmentCount = 0;
            _segmentNext = 0;
            for (var i = 0; i < received; i++)
            {
                ref var header = ref headers[i].Header;
                if ((header.Flags & MSG_TRUNC) != 0)
                    continue;
                var length = (int)headers[i].Length;
                var size = SegmentSize((byte*)header.Control, (int)header.ControlLength);
                if (size <= 0 || size > length)
                    size = length;
                var source = ToEndpoint(names[i]);
                for (var offset = 0; offset < length && _segmentCount < _segments.Length; offset += size)
                    _segments[_segmentCount++] = new Segment(i * CoalescedBufferBytes + offset, Math.Min(size, length - offset), source);
            }
        }
    }

    private int HandOutSegments(Span<PacketBuffer> datagrams, Span<WireGuardEndpoint> sources)
    {
        var count = 0;
        while (count < datagrams.Length && _segmentNext < _segmentCount)
        {
            var segment = _segments[_segmentNext++];
            var buffer = datagrams[count];
            if (segment.Length > buffer.ReadSpace.Length)
                continue;
            _coalesced.AsSpan(segment.Offset, segment.Length).CopyTo(buffer.ReadSpace);
            buffer.Offset = buffer.Headroom;
            buffer.Length = segment.Length;
            sources[count] = segment.Source;
            count++;
        }
        return count;
    }

    /// <summary>The UDP_GRO segment size in a received control buffer (cmsg(3) walk), or 0 when there is none.</summary>
    private static int SegmentSize(byte* control, int length)
    {
        var offset = 0;
        while (offset + CmsgHeaderLength <= length)
        {
            var cmsgLength = (int)*(nuint*)(control + offset);
            if (cmsgLength < CmsgHeaderLength || offset + cmsgLength > length)
                return 0;
            if (*(int*)(control + offset + 8) == SOL_UDP && *(int*)(control + offset + 12) == UDP_GRO && cmsgLength >= CmsgHeaderLength + sizeof(int))
                return *(int*)(control + offset + CmsgHeaderLength);
            offset += (cmsgLength + 7) & ~7;
        }
        return 0;
    }
}
