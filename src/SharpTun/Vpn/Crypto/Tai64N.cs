using System.Buffers.Binary;

namespace SharpTun.Vpn.Crypto;

/// <summary>
/// TAI64N timestamps (paper §5.4.2): 8 bytes big-endian seconds since 1970 plus 2^62 + 10, then
/// 4 bytes big-endian nanoseconds. A responder accepts an initiation only when its timestamp is
/// greater than the last one it accepted from that peer, which stops replayed initiations.
/// </summary>
internal static class Tai64N
{
    public const int Length = 12;
    private const ulong Base = 0x400000000000000aUL;

    // Like wireguard-go, round the nanoseconds down to 2^24 ns (~16.8 ms) so the timestamp does
    // not leak the sender's precise clock to an observer who later learns the keys.
    private const uint WhitenerMask = (1u << 24) - 1;

    public static void Write(DateTimeOffset time, Span<byte> destination)
    {
        var unixNanoseconds = (time.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) * 100;
        var seconds = (ulong)(unixNanoseconds / 1_000_000_000);
        var nanoseconds = (uint)(unixNanoseconds % 1_000_000_000) & ~WhitenerMask;
        BinaryPrimitives.WriteUInt64BigEndian(destination, Base + seconds);
        BinaryPrimitives.WriteUInt32BigEndian(destination[8..], nanoseconds);
    }

    /// <summary>True when <paramref name="candidate"/> is strictly later than <paramref name="previous"/> (both big-endian, so bytewise order is time order).</summary>
    public static bool IsAfter(ReadOnlySpan<byte> candidate, ReadOnlySpan<byte> previous) =>
        candidate[..Length].SequenceCompareTo(previous[..Length]) > 0;
}
