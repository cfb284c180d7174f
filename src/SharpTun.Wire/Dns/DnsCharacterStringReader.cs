namespace SharpTun.Wire;

/// <summary>
/// Walks the length-prefixed character-strings of TXT RDATA (RFC 1035 §3.3, §3.3.14); use with
/// <c>foreach</c>. The RDATA was checked by <see cref="DnsMessageReader"/>, so the walk cannot fail.
/// </summary>
public ref struct DnsCharacterStringReader
{
    /// <summary>Longest character-string: its length is one byte.</summary>
    public const int MaximumLength = 255;

    private ReadOnlySpan<byte> _remaining;
    private ReadOnlySpan<byte> _current;

    internal DnsCharacterStringReader(ReadOnlySpan<byte> data)
    {
        _remaining = data;
        _current = default;
    }

    /// <summary>The string found by the last <see cref="MoveNext"/>, without its length byte.</summary>
    public readonly ReadOnlySpan<byte> Current => _current;

    public readonly DnsCharacterStringReader GetEnumerator() => this;

    public bool MoveNext()
    {
        if (_remaining.IsEmpty)
            return false;
        _current = _remaining.Slice(1, _remaining[0]);
        _remaining = _remaining[(1 + _current.Length)..];
        return true;
    }

    /// <summary>Checks that TXT RDATA is one or more character-strings and nothing else.</summary>
    internal static bool IsWellFormed(ReadOnlySpan<byte> data)
    {
        if (data.IsEmpty)
            return false;
        while (!data.IsEmpty)
        {
            int next = 1 + data[0];
            if (next > data.Length)
                return false;
            data = data[next..];
        }
        return true;
    }
}
