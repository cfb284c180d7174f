using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace SharpTun.Wire;

/// <summary>
/// The Internet checksum (RFC 1071): the 16-bit one's-complement of the one's-complement sum of
/// the data taken as big-endian 16-bit words, used by IPv4, TCP, UDP, ICMP and ICMPv6.
/// </summary>
/// <remarks>
/// <para>
/// All values are in host order of the big-endian 16-bit word: a checksum returned by
/// <see cref="Fold"/> or <see cref="Compute"/> is stored with
/// <see cref="BinaryPrimitives.WriteUInt16BigEndian(Span{byte}, ushort)"/> and a stored checksum is
/// read with <see cref="BinaryPrimitives.ReadUInt16BigEndian(ReadOnlySpan{byte})"/>.
/// </para>
/// <para>
/// A partial sum from <see cref="Sum"/> can be passed as <c>initial</c> to the next call, which is
/// how a pseudo-header, a header and a payload in separate spans are combined. Every span but the
/// last must have an even length: an odd span ends with a half word that is padded with a zero
/// byte (RFC 1071 §4.1), so data after it would be added in the wrong byte lane.
/// </para>
/// <para>
/// The sum is computed in the machine's byte order and swapped once at the end, which gives the
/// same result as summing big-endian words (byte-order independence, RFC 1071 §2(B)); 32-bit
/// words are accumulated into 64-bit vector lanes, so no carries are lost (RFC 1071 §2(C),
/// deferred carries).
/// </para>
/// </remarks>
public static class Checksum
{
    /// <summary>
    /// Adds the 16-bit big-endian words of <paramref name="data"/> to <paramref name="initial"/> in
    /// one's-complement arithmetic and returns the partial (not complemented, not fully folded) sum.
    /// </summary>
    /// <param name="data">The bytes to add; any length and alignment. Only the last span of a
    /// chained computation may have an odd length.</param>
    /// <param name="initial">A partial sum from an earlier call (or a pseudo-header sum).</param>
    public static uint Sum(ReadOnlySpan<byte> data, uint initial = 0)
    {
        ulong native = SumNativeOrder(data);
        ushort word = FoldToWord(native);
        if (BitConverter.IsLittleEndian)
            word = BinaryPrimitives.ReverseEndianness(word);
        // 2^32 ≡ 1 (mod 2^16 - 1), so an end-around carry out of 32 bits keeps the sum exact.
        ulong total = (ulong)initial + word;
        return (uint)total + (uint)(total >> 32);
    }

    /// <summary>
    /// Folds a partial sum to 16 bits and complements it: the checksum value to store in the
    /// header's checksum field, in host order of the big-endian word (RFC 1071 §4.1).
    /// </summary>
    public static ushort Fold(uint sum) => (ushort)~FoldToWord(sum);

    /// <summary>The checksum of <paramref name="data"/>: <c>Fold(Sum(data))</c>.</summary>
    public static ushort Compute(ReadOnlySpan<byte> data) => Fold(Sum(data));

    /// <summary>Folds a sum to 16 bits with end-around carries, without complementing it.</summary>
    internal static ushort FoldToWord(ulong sum)
    {
        sum = (sum & 0xFFFF_FFFF) + (sum >> 32);
        sum = (sum & 0xFFFF_FFFF) + (sum >> 32);
        sum = (sum & 0xFFFF) + (sum >> 16);
        sum = (sum & 0xFFFF) + (sum >> 16);
        sum = (sum & 0xFFFF) + (sum >> 16);
        return (ushort)sum;
    }

    // Sums of the data as native-order words, one per instruction set; Sum picks the widest the
    // hardware accelerates, and the tests run each of them. Every 64-bit lane stays far below
    // overflow: a span holds at most 2^31 bytes and a lane gains less than 2^33 per 32 bytes read.
    private static ulong SumNativeOrder(ReadOnlySpan<byte> data)
    {
        if (Vector256.IsHardwareAccelerated && data.Length >= Vector256<byte>.Count)
            return SumNativeOrderVector256(data);
        if (Vector128.IsHardwareAccelerated && data.Length >= Vector128<byte>.Count)
            return SumNativeOrderVector128(data);
        return SumNativeOrderScalar(data);
    }

    /// <summary>Native-order sum with 256-bit vectors, four accumulators, 128 bytes per iteration.</summary>
    internal static ulong SumNativeOrderVector256(ReadOnlySpan<byte> data)
    {
        ref byte start = ref MemoryMarshal.GetReference(data);
        nuint length = (nuint)data.Length;
        nuint offset = 0;
        var low = Vector256.Create(0xFFFF_FFFFUL);
        var accumulator0 = Vector256<ulong>.Zero;
        var accumulator1 = Vector256<ulong>.Zero;
        var accumulator2 = Vector256<ulong>.Zero;
        var accumulator3 = Vector256<ulong>.Zero;
        while (length - offset >= 128)
        {
            var a = Vector256.LoadUnsafe(ref start, offset).AsUInt64();
            var b = Vector256.LoadUnsafe(ref start, offset + 32).AsUInt64();
            var c = Vector256.LoadUnsafe(ref start, offset + 64).AsUInt64();
            var d = Vector256.LoadUnsafe(ref start, offset + 96).AsUInt64();
            accumulator0 += (a & low) + Vector256.ShiftRightLogical(a, 32);
            accumulator1 += (b & low) + Vector256.ShiftRightLogical(b, 32);
            accumulator2 += (c & low) + Vector256.ShiftRightLogical(c, 32);
            accumulator3 += (d & low) + Vector256.ShiftRightLogical(d, 32);
            offset += 128;
        }
        while (length - offset >= 32)
        {
            var a = Vector256.LoadUnsafe(ref start, offset).AsUInt64();
            accumulator0 += (a & low) + Vector256.ShiftRightLogical(a, 32);
            offset += 32;
        }
        ulong sum = Vector256.Sum((accumulator0 + accumulator1) + (accumulator2 + accumulator3));
        return sum + SumNativeOrderScalar(data[(int)offset..]);
    }

    /// <summary>Native-order sum with 128-bit vectors, two accumulators, 32 bytes per iteration.</summary>
    internal static ulong SumNativeOrderVector128(ReadOnlySpan<byte> data)
    {
        ref byte start = ref MemoryMarshal.GetReference(data);
        nuint length = (nuint)data.Length;
        nuint offset = 0;
        var low = Vector128.Create(0xFFFF_FFFFUL);
        var accumulator0 = Vector128<ulong>.Zero;
        var accumulator1 = Vector128<ulong>.Zero;
        while (length - offset >= 32)
        {
            var a = Vector128.LoadUnsafe(ref start, offset).AsUInt64();
            var b = Vector128.LoadUnsafe(ref start, offset + 16).AsUInt64();
            accumulator0 += (a & low) + Vector128.ShiftRightLogical(a, 32);
            accumulator1 += (b & low) + Vector128.ShiftRightLogical(b, 32);
            offset += 32;
        }
        ulong sum = Vector128.Sum(accumulator0 + accumulator1);
        return sum + SumNativeOrderScalar(data[(int)offset..]);
    }

    /// <summary>Native-order sum, 8 bytes at a time, then the tail; the span must start at an even offset of the data.</summary>
    internal static ulong SumNativeOrderScalar(ReadOnlySpan<byte> data)
    {
        ref byte start = ref MemoryMarshal.GetReference(data);
        nuint length = (nuint)data.Length;
        nuint offset = 0;
        ulong sum = 0;
        while (length - offset >= 8)
        {
            ulong word = Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref start, offset));
            sum += (word & 0xFFFF_FFFF) + (word >> 32);
            offset += 8;
        }
        if (length - offset >= 4)
        {
            sum += Unsafe.ReadUnaligned<uint>(ref Unsafe.Add(ref start, offset));
            offset += 4;
        }
        if (length - offset >= 2)
        {
            sum += Unsafe.ReadUnaligned<ushort>(ref Unsafe.Add(ref start, offset));
            offset += 2;
        }
        if (length - offset == 1)
        {
            // The odd byte is the high-order byte of a big-endian word padded with zero.
            uint last = Unsafe.Add(ref start, offset);
            sum += BitConverter.IsLittleEndian ? last : last << 8;
        }
        return sum;
    }
}
