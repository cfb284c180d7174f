namespace SharpTun.Proxy.Sniffers;

/// <summary>
/// What counts as a domain name for the sniffers, shared by SNI and Host: ASCII letters, digits,
/// '-' and '_' (seen in real names although RFC 952 does not allow it) in dot-separated labels of 1 to
/// 63 characters (RFC 1035 §2.3.4), at most <see cref="MaxLength"/> in all, last label not all digits.
/// </summary>
public static class HostNameRules
{
    /// <summary>
    /// Longest domain name in text form, without a trailing dot: 255 octets on the wire (RFC 1035
    /// §2.3.4) less the length octet of the first label and the root's zero octet.
    /// </summary>
    public const int MaxLength = 253;

    private const int MaxLabelLength = 63;

    /// <summary>
    /// Checks <paramref name="name"/> and writes it, lowercased, to <paramref name="destination"/>
    /// (at least <see cref="MaxLength"/> characters, left with junk when the check fails). Returns
    /// <see cref="SniffReason.None"/> when it is a domain name, else why not; <see cref="SniffReason.IpLiteralHostName"/> is checked before the
    /// characters, so "::1" is reported as a literal rather than as a name with colons.
    /// </summary>
    internal static SniffReason CheckAndCopyLowercase(ReadOnlySpan<byte> name, Span<char> destination, out int length)
    {
        length = 0;
        if (name.IsEmpty)
            return SniffReason.EmptyHostName;
        if (IsIpv6Literal(name))
            return SniffReason.IpLiteralHostName;
        if (name.Length > MaxLength)
            return SniffReason.HostNameTooLong;

        int labelStart = 0;
        bool labelAllDigits = true;
        for (int i = 0; i < name.Length; i++)
        {
            byte c = name[i];
            if (c == '.')
            {
                if (i == labelStart || i - labelStart > MaxLabelLength)
                    return SniffReason.InvalidHostName;
                labelStart = i + 1;
                labelAllDigits = true;
                destination[i] = '.';
                continue;
            }
            if (c is >= (byte)'A' and <= (byte)'Z')
                c = (byte)(c | 0x20);
            else if (c is not ((>= (byte)'a' and <= (byte)'z') or (>= (byte)'0' and <= (byte)'9') or (byte)'-' or (byte)'_'))
                return SniffReason.InvalidHostName;
            labelAllDigits &= c is >= (byte)'0' and <= (byte)'9';
            destination[i] = (char)c;
        }
        if (labelStart == name.Length || name.Length - labelStart > MaxLabelLength)
            return SniffReason.InvalidHostName;
        if (labelAllDigits)
            return SniffReason.IpLiteralHostName;
        length = name.Length;
        return SniffReason.None;
    }

    /// <summary>Throws when <paramref name="destination"/> cannot hold the longest name: a caller's bug.</summary>
    internal static void ThrowIfTooSmall(Span<char> destination) =>
        ArgumentOutOfRangeException.ThrowIfLessThan(destination.Length, MaxLength, nameof(destination));

    // An IPv6 address in text (RFC 4291 §2.2): hex digits and colons, with a dotted IPv4 tail allowed.
    // No domain name contains a colon, so this only decides which reason to give.
    private static bool IsIpv6Literal(ReadOnlySpan<byte> name)
    {
        if (!name.Contains((byte)':'))
            return false;
        foreach (byte c in name)
        {
            if (!(char.IsAsciiHexDigit((char)c) || c is (byte)':' or (byte)'.'))
                return false;
        }
        return true;
    }
}
