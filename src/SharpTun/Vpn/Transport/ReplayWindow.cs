namespace SharpTun.Vpn.Transport;

/// <summary>
/// The sliding window of received counters (RFC 6479, as wireguard-go's replay.go): a ring of 128
/// blocks of 64 bits. Sliding forward clears whole blocks instead of shifting bits, so a jump costs
/// at most 128 writes. Counters up to (128 - 1) * 64 = 8,128 below the greatest seen are judged
/// exactly; older ones are refused. One receive thread uses a window at a time; not thread-safe.
/// </summary>
internal sealed class ReplayWindow
{
    private const int BlockBitsLog = 6;
    private const int BlockBits = 1 << BlockBitsLog;
    private const int RingBlocks = 128;
    private const int BlockMask = RingBlocks - 1;
    private const int BitMask = BlockBits - 1;

    /// <summary>How far below the greatest counter seen a counter is still accepted.</summary>
    public const ulong WindowSize = (RingBlocks - 1) * BlockBits;

    private readonly ulong[] _ring = new ulong[RingBlocks];
    private ulong _last;

    /// <summary>Accepts <paramref name="counter"/> once: false for a repeat, for one older than the window, or at or beyond <paramref name="limit"/>. Call only after the packet authenticated.</summary>
    public bool TryAccept(ulong counter, ulong limit)
    {
        if (counter >= limit)
            return false;
        var block = counter >> BlockBitsLog;
        if (counter > _last)
        {
            var current = _last >> BlockBitsLog;
            var advance = Math.Min(block - current, RingBlocks);
            for (ulong i = 1; i <= advance; i++)
                _ring[(int)((current + i) & BlockMask)] = 0;
            _last = counter;
        }
        else if (_last - counter > WindowSize)
        {
            return false;
        }
        ref var bits = ref _ring[(int)(block & BlockMask)];
        var bit = 1UL << (int)(counter & BitMask);
        if ((bits & bit) != 0)
            return false;
        bits |= bit;
        return true;
    }
}
