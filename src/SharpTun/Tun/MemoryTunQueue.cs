using System.Runtime.InteropServices;
using SharpTun.Interop;

namespace SharpTun.Tun;

/// <summary>
/// An in-memory <see cref="ITunQueue"/> for unit tests of the layers above the TUN (dispatch, NAT,
/// VPN), in the spirit of wireguard-go's test devices. The test plays the kernel:
/// <see cref="TryInject"/> makes a packet readable, <see cref="TryTakeWritten"/> takes what the
/// code under test wrote. It mimics the kernel's contract (one packet per buffer, truncation to
/// the buffer, a full queue stops a write batch) but copies each written packet into a new
/// array, so unlike <see cref="LinuxTunDevice"/> queues it allocates per packet.
/// </summary>
public sealed class MemoryTunQueue : ITunQueue
{
    private readonly object _lock = new();
    private readonly Queue<(byte[] Packet, VirtioNetHeader Offload)> _readable = new();
    private readonly Queue<(byte[] Packet, VirtioNetHeader Offload)> _written = new();
    private readonly int _capacity;
    // Readable while packets are queued (ReadableHandle): written when the queue fills from empty, drained when it empties.
    private readonly FileDescriptorHandle _readableSignal;
    private bool _closed;

    /// <param name="capacity">Most packets held in each direction; a write beyond it stops the batch.</param>
    public MemoryTunQueue(int capacity = 1024)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _capacity = capacity;
        _readableSignal = new FileDescriptorHandle(Errno.ThrowIfFailed(Libc.EventFd(0, Libc.EFD_CLOEXEC | Libc.EFD_NONBLOCK), "eventfd for a memory TUN queue"));
    }

    public SafeHandle ReadableHandle => _readableSignal;

    /// <summary>
    /// Makes <paramref name="packet"/> readable, as if the kernel routed it into the TUN, with
    /// <paramref name="offload"/> as its offload header (a queue opened with offload). False when the
    /// queue is full or closed.
    /// </summary>
    public bool TryInject(ReadOnlySpan<byte> packet, VirtioNetHeader offload = default)
    {
        lock (_lock)
        {
            if (_closed || _readable.Count >= _capacity)
                return false;
            _readable.Enqueue((packet.ToArray(), offload));
            if (_readable.Count == 1)
                Signal(1);
            Monitor.PulseAll(_lock);
            return true;
        }
    }

    /// <summary>Takes the oldest packet written by the code under test.</summary>
    public bool TryTakeWritten(out byte[] packet) => TryTakeWritten(out packet, out _);

    /// <summary>Takes the oldest packet written by the code under test, with the offload header it was written with.</summary>
    public bool TryTakeWritten(out byte[] packet, out VirtioNetHeader offload)
    {
        lock (_lock)
        {
            var taken = _written.TryDequeue(out var entry);
            (packet, offload) = taken ? entry : ([], default);
            return taken;
        }
    }

    public int Read(Span<PacketBuffer> packets)
    {
        if (packets.IsEmpty)
            throw new ArgumentException("Read needs at least one buffer; an empty batch would be indistinguishable from a closed queue", nameof(packets));
        lock (_lock)
        {
            while (_readable.Count == 0 && !_closed)
                Monitor.Wait(_lock);
            return TakeReadable(packets);
        }
    }

    public int TryRead(Span<PacketBuffer> packets)
    {
        if (packets.IsEmpty)
            throw new ArgumentException("TryRead needs at least one buffer", nameof(packets));
        lock (_lock)
            return TakeReadable(packets);
    }

    /// <summary>Moves queued packets into <paramref name="packets"/>; 0 when closed. Holds the lock.</summary>
    private int TakeReadable(Span<PacketBuffer> packets)
    {
        if (_closed)
            return 0;
        var count = 0;
        while (count < packets.Length && _readable.TryDequeue(out var entry))
        {
            var (packet, offload) = entry;
            var buffer = packets[count++];
            buffer.Offload = offload;
            var length = Math.Min(packet.Length, buffer.ReadSpace.Length);
            packet.AsSpan(0, length).CopyTo(buffer.ReadSpace);
            buffer.Offset = buffer.Headroom;
            buffer.Length = length;
        }
        if (count > 0 && _readable.Count == 0)
            Signal(0);
        return count;
    }

    public int Write(ReadOnlySpan<PacketBuffer> packets)
    {
        lock (_lock)
        {
            for (var i = 0; i < packets.Length; i++)
            {
                if (_written.Count >= _capacity)
                    return i;
                _written.Enqueue((packets[i].Packet.ToArray(), packets[i].Offload));
            }
            return packets.Length;
        }
    }

    public void Close()
    {
        lock (_lock)
        {
            _closed = true;
            Monitor.PulseAll(_lock);
        }
    }

    public void Dispose()
    {
        Close();
        _readableSignal.Dispose();
    }

    /// <summary>Makes <see cref="ReadableHandle"/> readable (1) or not (0). Holds the lock.</summary>
    private void Signal(int readable)
    {
        Span<byte> counter = stackalloc byte[sizeof(ulong)];
        if (readable == 0)
        {
            _ = Libc.Read(_readableSignal, counter); // EAGAIN when it was not readable: fine
            return;
        }
        MemoryMarshal.Write(counter, 1UL);
        Errno.ThrowIfFailed((int)Libc.Write(_readableSignal, counter), "eventfd write for a memory TUN queue");
    }
}
