using SharpTun.Tun;

namespace SharpTun.Tests.Tun;

/// <summary>
/// A write-only <see cref="ITunQueue"/> for allocation tests of code that writes into the TUN from
/// its own receive loop (UDP and ICMP replies), where <c>Allocations.FewestBytes</c> cannot reach:
/// each write notes the writing thread and that thread's allocation counter, allocating nothing
/// itself. Between two writes on one thread with no wait in between (the loop found the next
/// datagram already queued), the counter grows by exactly what the loop allocates per datagram.
/// </summary>
internal sealed class AllocationRecordingTunQueue(int capacity) : ITunQueue
{
    private readonly int[] _threads = new int[capacity];
    private readonly long[] _before = new long[capacity];
    private readonly long[] _after = new long[capacity];
    private readonly byte[] _lastPacket = new byte[70_000];
    private int _count;
    private int _lastLength;

    /// <summary>Packets written so far (at most the capacity are noted).</summary>
    public int Count => Volatile.Read(ref _count);

    /// <summary>A copy of the last packet written.</summary>
    public byte[] LastPacket
    {
        get
        {
            lock (_lastPacket)
                return _lastPacket.AsSpan(0, _lastLength).ToArray();
        }
    }

    public int Read(Span<PacketBuffer> packets) => throw new NotSupportedException("this queue only records writes");

    public int TryRead(Span<PacketBuffer> packets) => throw new NotSupportedException("this queue only records writes");

    public System.Runtime.InteropServices.SafeHandle ReadableHandle => throw new NotSupportedException("this queue only records writes");

    public int Write(ReadOnlySpan<PacketBuffer> packets)
    {
        var before = GC.GetAllocatedBytesForCurrentThread();
        foreach (var packet in packets)
        {
            lock (_lastPacket)
            {
                packet.Packet.CopyTo(_lastPacket);
                _lastLength = packet.Length;
            }
            var index = _count;
            if (index < capacity)
            {
                _threads[index] = Environment.CurrentManagedThreadId;
                _before[index] = before;
                _after[index] = GC.GetAllocatedBytesForCurrentThread();
            }
            Volatile.Write(ref _count, index + 1);
        }
        return packets.Length;
    }

    /// <summary>
    /// The fewest bytes the writing thread allocated between the end of one write and the start of
    /// the next on the same thread, over all such pairs; null when no two writes shared a thread.
    /// </summary>
    public long? FewestBytesBetweenWrites()
    {
        long? fewest = null;
        for (var i = 1; i < Math.Min(Count, capacity); i++)
        {
            if (_threads[i] == _threads[i - 1])
                fewest = Math.Min(fewest ?? long.MaxValue, _before[i] - _after[i - 1]);
        }
        return fewest;
    }

    public void Close()
    {
    }

    public void Dispose()
    {
    }
}
