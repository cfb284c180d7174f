namespace SharpTun.Wire;

/// <summary>
/// A validated domain name inside a DNS message, possibly compressed (RFC 1035 §4.1.4). Reading it
/// follows the pointers that <see cref="TryRead"/> has already checked, so no member can fail or loop.
/// </summary>
/// <remarks>
/// A pointer must point before the start of the run of labels that contains it, so every jump goes
/// strictly backwards and the walk ends; a pointer at or after that start is a <see cref="DnsError.PointerLoop"/>
/// when it lands in bytes this name has already read, else a <see cref="DnsError.ForwardPointer"/>.
/// Comparisons fold ASCII letters only (RFC 4343 §3); other bytes compare exactly.
/// </remarks>
public readonly ref struct DnsName
{
    /// <summary>Longest name in wire form, length bytes and root included (RFC 1035 §2.3.4).</summary>
    public const int MaximumLength = 255;

    /// <summary>Longest label (RFC 1035 §2.3.4).</summary>
    public const int MaximumLabelLength = 63;

    /// <summary>
    /// Most compression pointers one name may follow: one per label of the longest possible name. Real
    /// names use one or two; the bound keeps a hostile chain of pointers from costing more than that.
    /// </summary>
    public const int MaximumPointers = 127;

    /// <summary>Top two bits of a length byte that mark a compression pointer.</summary>
    internal const byte PointerTag = 0xC0;

    private readonly ReadOnlySpan<byte> _message;
    private readonly int _offset;

    private DnsName(ReadOnlySpan<byte> message, int offset, int wireLength)
    {
        _message = message;
        _offset = offset;
        WireLength = wireLength;
    }

    /// <summary>Length of the name in uncompressed wire form, at most <see cref="MaximumLength"/>.</summary>
    public int WireLength { get; }

    /// <summary>True for the root name (a single zero byte).</summary>
    public bool IsRoot => WireLength == 1;

    /// <summary>
    /// Checks the name starting at <paramref name="offset"/>; <paramref name="end"/> is the offset after
    /// its bytes in place (after the first pointer if it is compressed). Never throws.
    /// </summary>
    public static DnsError TryRead(ReadOnlySpan<byte> message, int offset, out DnsName name, out int end)
    {
        name = default;
        end = -1;
        int position = offset;
        int runStart = offset;
        int readEnd = offset;
        int wireLength = 0;
        int pointers = 0;
        while (true)
        {
            if (position >= message.Length)
                return DnsError.Truncated;
            int length = message[position];
            if (length >= PointerTag)
            {
                if (position + 1 >= message.Length)
                    return DnsError.Truncated;
                int target = ((length & ~PointerTag) << 8) | message[position + 1];
                if (end < 0)
                    end = position + 2;
                readEnd = Math.Max(readEnd, position + 2);
                if (target >= message.Length)
                    return DnsError.PointerBeyondMessage;
                if (target >= runStart)
                    return target < readEnd ? DnsError.PointerLoop : DnsError.ForwardPointer;
                if (++pointers > MaximumPointers)
                    return DnsError.TooManyPointers;
                position = runStart = target;
                continue;
            }

            // Length bytes 64-191 carry the top bits 01 or 10: extended label types (RFC 6891 §5),
            // which nothing deploys; they are refused as over-long labels.
            if (length > MaximumLabelLength)
                return DnsError.LabelTooLong;
            wireLength += 1 + length;
            if (wireLength > MaximumLength)
                return DnsError.NameTooLong;
            if (position + 1 + length > message.Length)
                return DnsError.Truncated;
            position += 1 + length;
            if (length == 0)
                break;
        }
        if (end < 0)
            end = position;
        name = new DnsName(message, offset, wireLength);
        return DnsError.None;
    }

    /// <summary>Wraps a name this program wrote, without checks.</summary>
    internal static DnsName CreateUnchecked(ReadOnlySpan<byte> message, int offset)
    {
        int position = offset;
        int wireLength = 0;
        ReadOnlySpan<byte> label;
        do
        {
            label = NextLabel(message, ref position);
            wireLength += 1 + label.Length;
        }
        while (!label.IsEmpty);
        return new DnsName(message, offset, wireLength);
    }

    /// <summary>Writes the uncompressed wire form and returns its length (<see cref="WireLength"/>).</summary>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is shorter than <see cref="WireLength"/>.</exception>
    public int CopyTo(Span<byte> destination)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(destination.Length, WireLength, nameof(destination));
        int position = _offset;
        int written = 0;
        ReadOnlySpan<byte> label;
        do
        {
            label = NextLabel(_message, ref position);
            destination[written] = (byte)label.Length;
            label.CopyTo(destination[(written + 1)..]);
            written += 1 + label.Length;
        }
        while (!label.IsEmpty);
        return written;
    }

    /// <summary>
    /// Writes the name as dotted text without the final dot ("." for the root). Bytes that would be
    /// ambiguous in text are escaped as in master files (RFC 1035 §5.1): "\." and "\\" inside a label,
    /// "\DDD" for bytes outside printable ASCII. False when <paramref name="destination"/> is too short.
    /// </summary>
    public bool TryFormat(Span<char> destination, out int charsWritten)
    {
        charsWritten = 0;
        if (IsRoot)
            return TryAppend(destination, ref charsWritten, '.');
        int position = _offset;
        var label = NextLabel(_message, ref position);
        while (true)
        {
            foreach (byte b in label)
            {
                if (!TryAppendEscaped(destination, ref charsWritten, b))
                    return false;
            }
            label = NextLabel(_message, ref position);
            if (label.IsEmpty)
                return true;
            if (!TryAppend(destination, ref charsWritten, '.'))
                return false;
        }
    }

    /// <summary>
    /// True when the name equals <paramref name="dottedName"/> ignoring ASCII case; a final dot is
    /// optional and "." is the root. Escapes are not interpreted.
    /// </summary>
    public bool Matches(ReadOnlySpan<char> dottedName)
    {
        if (dottedName.EndsWith('.'))
            dottedName = dottedName[..^1];
        int position = _offset;
        var label = NextLabel(_message, ref position);
        if (dottedName.IsEmpty)
            return label.IsEmpty;
        while (!label.IsEmpty)
        {
            int dot = dottedName.IndexOf('.');
            var text = dot < 0 ? dottedName : dottedName[..dot];
            if (text.Length != label.Length)
                return false;
            for (int i = 0; i < text.Length; i++)
            {
                if (text[i] > 0x7F || FoldCase(label[i]) != FoldCase((byte)text[i]))
                    return false;
            }
            label = NextLabel(_message, ref position);
            if (dot < 0)
                return label.IsEmpty;
            dottedName = dottedName[(dot + 1)..];
        }
        return false;
    }

    /// <summary>True when the name equals the uncompressed, complete wire name <paramref name="wireName"/>, ignoring ASCII case.</summary>
    public bool Matches(ReadOnlySpan<byte> wireName)
    {
        if (wireName.Length != WireLength)
            return false;
        int position = _offset;
        int compared = 0;
        ReadOnlySpan<byte> label;
        do
        {
            label = NextLabel(_message, ref position);
            if (wireName[compared] != label.Length || !EqualsIgnoringCase(label, wireName.Slice(compared + 1, label.Length)))
                return false;
            compared += 1 + label.Length;
        }
        while (!label.IsEmpty);
        return true;
    }

    /// <summary>ASCII lower case of a byte; other bytes unchanged (RFC 4343 §3).</summary>
    internal static byte FoldCase(byte b) => (uint)(b - 'A') <= 'Z' - 'A' ? (byte)(b | 0x20) : b;

    internal static bool EqualsIgnoringCase(ReadOnlySpan<byte> left, ReadOnlySpan<byte> right)
    {
        if (left.Length != right.Length)
            return false;
        for (int i = 0; i < left.Length; i++)
        {
            if (FoldCase(left[i]) != FoldCase(right[i]))
                return false;
        }
        return true;
    }

    // The label at position, after following any pointers; advances position past it. The root
    // label is empty and leaves position on the terminating zero byte's successor.
    private static ReadOnlySpan<byte> NextLabel(ReadOnlySpan<byte> message, scoped ref int position)
    {
        int length = message[position];
        while (length >= PointerTag)
        {
            position = ((length & ~PointerTag) << 8) | message[position + 1];
            length = message[position];
        }
        var label = message.Slice(position + 1, length);
        position += 1 + length;
        return label;
    }

    private static bool TryAppendEscaped(Span<char> destination, ref int charsWritten, byte b)
    {
        if (b == '.' || b == '\\')
            return TryAppend(destination, ref charsWritten, '\\') && TryAppend(destination, ref charsWritten, (char)b);
        if (b > 0x20 && b < 0x7F)
            return TryAppend(destination, ref charsWritten, (char)b);
        return TryAppend(destination, ref charsWritten, '\\')
            && TryAppend(destination, ref charsWritten, (char)('0' + b / 100))
            && TryAppend(destination, ref charsWritten, (char)('0' + b / 10 % 10))
            && TryAppend(destination, ref charsWritten, (char)('0' + b % 10));
    }

    private static bool TryAppend(Span<char> destination, ref int charsWritten, char c)
    {
        if (charsWritten >= destination.Length)
            return false;
        destination[charsWritten++] = c;
        return true;
    }
}
