namespace SharpTun.Wire;

/// <summary>
/// Converts dotted names to uncompressed wire form (RFC 1035 §3.1) and checks wire names handed to
/// <see cref="DnsMessageWriter"/>. ASCII only: IDNA (RFC 5891) is the caller's job.
/// </summary>
public static class DnsNameEncoding
{
    /// <summary>
    /// Writes "www.example.com" (a final dot is optional; "." is the root) as length-prefixed labels
    /// ending in the root label. Refuses empty labels, labels over 63 bytes and names over 255 bytes.
    /// Never throws for any text.
    /// </summary>
    /// <param name="destination">At least <see cref="DnsName.MaximumLength"/> bytes, or as long as the encoded name.</param>
    public static DnsError TryEncode(ReadOnlySpan<char> dottedName, Span<byte> destination, out int written)
    {
        written = 0;
        if (dottedName is ".")
            return TryPut(destination, ref written, 0);
        if (dottedName.EndsWith('.'))
            dottedName = dottedName[..^1];
        while (true)
        {
            int dot = dottedName.IndexOf('.');
            var label = dot < 0 ? dottedName : dottedName[..dot];
            if (label.IsEmpty)
                return DnsError.EmptyLabel;
            if (label.Length > DnsName.MaximumLabelLength)
                return DnsError.LabelTooLong;
            // Room for this label and the root label after it.
            if (written + 1 + label.Length + 1 > DnsName.MaximumLength)
                return DnsError.NameTooLong;
            if (written + 1 + label.Length + 1 > destination.Length)
                return DnsError.Truncated;
            destination[written] = (byte)label.Length;
            for (int i = 0; i < label.Length; i++)
            {
                if (label[i] > 0x7F)
                    return DnsError.NonAsciiName;
                destination[written + 1 + i] = (byte)label[i];
            }
            written += 1 + label.Length;
            if (dot < 0)
                return TryPut(destination, ref written, 0);
            dottedName = dottedName[(dot + 1)..];
        }
    }

    /// <summary>
    /// Checks that <paramref name="wireName"/> is one complete uncompressed name (labels of 1 to 63
    /// bytes, the root label last, 255 bytes at most) and nothing more: bytes after the root label
    /// are <see cref="DnsError.BadRecordData"/>, a pointer length byte is <see cref="DnsError.LabelTooLong"/>.
    /// </summary>
    public static DnsError Validate(ReadOnlySpan<byte> wireName)
    {
        int position = 0;
        while (true)
        {
            if (position >= wireName.Length)
                return DnsError.Truncated;
            int length = wireName[position];
            if (length > DnsName.MaximumLabelLength)
                return DnsError.LabelTooLong;
            position += 1 + length;
            if (position > DnsName.MaximumLength)
                return DnsError.NameTooLong;
            if (length == 0)
                return position == wireName.Length ? DnsError.None : DnsError.BadRecordData;
        }
    }

    private static DnsError TryPut(Span<byte> destination, ref int written, byte value)
    {
        if (written >= destination.Length)
            return DnsError.Truncated;
        destination[written++] = value;
        return DnsError.None;
    }
}
