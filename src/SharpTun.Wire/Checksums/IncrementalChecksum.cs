namespace SharpTun.Wire;

/// <summary>
/// Updates a stored Internet checksum after some covered bytes changed, without summing the
/// whole packet again (RFC 1624 §3, eqn. 3: <c>HC' = ~(~HC + ~m + m')</c>).
/// </summary>
/// <remarks>
/// Eqn. 3 is used rather than eqn. 2 of RFC 1141 because it never turns a +0 sum into -0: the
/// result equals what a full recomputation gives (RFC 1624 §4). Checksums and words are in host
/// order of the big-endian 16-bit words, as <see cref="Checksum"/> uses them. A UDP checksum of zero
/// means "no checksum" (RFC 768) and must be left alone rather than updated.
/// </remarks>
public static class IncrementalChecksum
{
    /// <summary>Updates <paramref name="checksum"/> after one 16-bit word (e.g. a port) changed.</summary>
    public static ushort Update(ushort checksum, ushort oldWord, ushort newWord)
    {
        uint sum = (uint)(ushort)~checksum + (ushort)~oldWord + newWord;
        return (ushort)~Checksum.FoldToWord(sum);
    }

    /// <summary>Updates <paramref name="checksum"/> after a 32-bit value (e.g. an IPv4 address read big-endian) changed.</summary>
    public static ushort Update(ushort checksum, uint oldValue, uint newValue)
    {
        ulong sum = (ulong)(ushort)~checksum
            + (ushort)~(oldValue >> 16) + (ushort)~(oldValue & 0xFFFF)
            + (newValue >> 16) + (newValue & 0xFFFF);
        return (ushort)~Checksum.FoldToWord(sum);
    }

    /// <summary>
    /// Updates <paramref name="checksum"/> after <paramref name="oldBytes"/> were replaced by
    /// <paramref name="newBytes"/> (e.g. an IPv6 address). Both spans must have the same even length
    /// and start at an even offset of the checksummed data.
    /// </summary>
    public static ushort Update(ushort checksum, ReadOnlySpan<byte> oldBytes, ReadOnlySpan<byte> newBytes)
    {
        ArgumentOutOfRangeException.ThrowIfNotEqual(newBytes.Length, oldBytes.Length);
        if ((oldBytes.Length & 1) != 0)
            throw new ArgumentException("the changed bytes must be whole 16-bit words (an even length)", nameof(oldBytes));
        ushort oldSum = Checksum.FoldToWord(Checksum.Sum(oldBytes));
        ushort newSum = Checksum.FoldToWord(Checksum.Sum(newBytes));
        return Update(checksum, oldSum, newSum);
    }
}
