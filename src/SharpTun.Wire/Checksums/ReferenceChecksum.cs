namespace SharpTun.Wire;

/// <summary>
/// A deliberately plain Internet checksum (RFC 1071 §4.1, word by word with a carry fold after
/// every addition) that the tests and benchmarks use as the reference for <see cref="Checksum"/>.
/// </summary>
internal static class ReferenceChecksum
{
    /// <summary>The one's-complement sum of the big-endian words of <paramref name="data"/>, folded to 16 bits.</summary>
    public static ushort Sum(ReadOnlySpan<byte> data, ushort initial = 0)
    {
        uint sum = initial;
        for (int i = 0; i < data.Length; i += 2)
        {
            uint high = data[i];
            uint low = i + 1 < data.Length ? data[i + 1] : 0u;
            sum += (high << 8) | low;
            if (sum > 0xFFFF)
                sum = (sum & 0xFFFF) + 1;
        }
        return (ushort)sum;
    }

    /// <summary>The checksum to store: the complement of <see cref="Sum"/>.</summary>
    public static ushort Compute(ReadOnlySpan<byte> data) => (ushort)~Sum(data);
}
