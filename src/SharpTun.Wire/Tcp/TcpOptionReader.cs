namespace SharpTun.Wire;

/// <summary>
/// Walks TCP options without allocating (RFC 9293 §3.1, §3.2); use with <c>foreach</c>. No-Operation
/// bytes are skipped, End of Option List ends the walk, unknown kinds are returned with their data.
/// </summary>
/// <remarks>
/// A length below 2, a length past the end of the options, or a wrong length for a known kind
/// (MSS 4, Window Scale 3, SACK Permitted 2, SACK 2 + 8n with n from 1 to 4, Timestamps 10) ends the
/// walk and sets <see cref="IsMalformed"/>; the options before it have been returned. <c>foreach</c>
/// walks a copy, so a caller that needs <see cref="IsMalformed"/> calls <see cref="MoveNext"/> itself.
/// </remarks>
public ref struct TcpOptionReader
{
    private ReadOnlySpan<byte> _remaining;
    private TcpOption _current;

    /// <summary>Reads the options area of a TCP header (the bytes between byte 20 and Data Offset).</summary>
    public TcpOptionReader(ReadOnlySpan<byte> options)
    {
        _remaining = options;
        _current = default;
        IsMalformed = false;
    }

    /// <summary>The option found by the last successful <see cref="MoveNext"/>.</summary>
    public readonly TcpOption Current => _current;

    /// <summary>True once the walk stopped at a malformed option.</summary>
    public bool IsMalformed { get; private set; }

    public readonly TcpOptionReader GetEnumerator() => this;

    /// <summary>Advances to the next option; false at the end, at End of Option List, or at a malformed option.</summary>
    public bool MoveNext()
    {
        while (!_remaining.IsEmpty)
        {
            var kind = (TcpOptionKind)_remaining[0];
            if (kind == TcpOptionKind.EndOfOptionList)
            {
                _remaining = default;
                return false;
            }
            if (kind == TcpOptionKind.NoOperation)
            {
                _remaining = _remaining[1..];
                continue;
            }
            if (_remaining.Length < 2)
                return Malformed();
            int length = _remaining[1];
            if (length < 2 || length > _remaining.Length || !IsValidLength(kind, length))
                return Malformed();
            _current = new TcpOption(kind, _remaining[2..length]);
            _remaining = _remaining[length..];
            return true;
        }
        return false;
    }

    private bool Malformed()
    {
        IsMalformed = true;
        _remaining = default;
        return false;
    }

    private static bool IsValidLength(TcpOptionKind kind, int length) => kind switch
    {
        TcpOptionKind.MaximumSegmentSize => length == 4,
        TcpOptionKind.WindowScale => length == 3,
        TcpOptionKind.SackPermitted => length == 2,
        TcpOptionKind.Sack => length >= 10 && length <= 34 && (length - 2) % 8 == 0,
        TcpOptionKind.Timestamps => length == 10,
        _ => true,
    };
}
