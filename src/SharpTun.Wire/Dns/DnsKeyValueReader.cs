using System.Buffers.Binary;

namespace SharpTun.Wire;

/// <summary>
/// Walks a list of (16-bit key, 16-bit length, value) entries, the layout shared by SVCB parameters
/// (RFC 9460 §2.2) and EDNS options (RFC 6891 §6.1.2); use with <c>foreach</c>. The list was
/// checked by <see cref="DnsMessageReader"/>, so the walk cannot fail.
/// </summary>
public ref struct DnsKeyValueReader
{
    /// <summary>Bytes of key and length in front of each value.</summary>
    internal const int EntryHeaderLength = 4;

    private ReadOnlySpan<byte> _remaining;
    private DnsKeyValue _current;

    internal DnsKeyValueReader(ReadOnlySpan<byte> entries)
    {
        _remaining = entries;
        _current = default;
    }

    /// <summary>The entry found by the last <see cref="MoveNext"/>.</summary>
    public readonly DnsKeyValue Current => _current;

    public readonly DnsKeyValueReader GetEnumerator() => this;

    public bool MoveNext()
    {
        if (_remaining.IsEmpty)
            return false;
        int length = BinaryPrimitives.ReadUInt16BigEndian(_remaining[2..]);
        _current = new DnsKeyValue(BinaryPrimitives.ReadUInt16BigEndian(_remaining), _remaining.Slice(EntryHeaderLength, length));
        _remaining = _remaining[(EntryHeaderLength + length)..];
        return true;
    }

    /// <summary>
    /// Checks that <paramref name="entries"/> splits exactly into entries, and with
    /// <paramref name="keysAscending"/> that keys strictly increase (RFC 9460 §2.2).
    /// </summary>
    internal static bool IsWellFormed(ReadOnlySpan<byte> entries, bool keysAscending)
    {
        int previousKey = -1;
        while (!entries.IsEmpty)
        {
            if (entries.Length < EntryHeaderLength)
                return false;
            int key = BinaryPrimitives.ReadUInt16BigEndian(entries);
            int length = BinaryPrimitives.ReadUInt16BigEndian(entries[2..]);
            if (EntryHeaderLength + length > entries.Length || (keysAscending && key <= previousKey))
                return false;
            previousKey = key;
            entries = entries[(EntryHeaderLength + length)..];
        }
        return true;
    }
}
