using SharpTun.Tun;

namespace SharpTun.Vpn;

/// <summary>A bounded free list of equal packet buffers (for staged packets); thread-safe.</summary>
internal sealed class PacketBufferPool(int capacity, int headroom, int maxIdle)
{
    private readonly Stack<PacketBuffer> _free = new();

    public PacketBuffer Rent()
    {
        lock (_free)
        {
            if (_free.TryPop(out var buffer))
                return buffer;
        }
        return new PacketBuffer(capacity, headroom);
    }

    public void Return(PacketBuffer buffer)
    {
        lock (_free)
        {
            if (_free.Count < maxIdle)
                _free.Push(buffer);
        }
    }
}
