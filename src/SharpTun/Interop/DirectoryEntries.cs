using System.Runtime.InteropServices;

namespace SharpTun.Interop;

/// <summary>
/// Walks the <c>struct linux_dirent64</c> records that <see cref="Libc.GetDirectoryEntries"/> wrote:
/// u64 d_ino at 0, s64 d_off at 8, u16 d_reclen at 16, u8 d_type at 18, the NUL-terminated name at 19,
/// each record padded to 8 bytes. Stops at the first record that does not fit.
/// </summary>
internal ref struct DirectoryEntries(ReadOnlySpan<byte> records)
{
    private const int RecordLengthOffset = 16, TypeOffset = 18, NameOffset = 19;

    private ReadOnlySpan<byte> _rest = records;

    /// <summary>
    /// The next entry: its type (<see cref="Libc.DT_DIR"/>, <see cref="Libc.DT_LNK"/>, ...) and its
    /// name, with the terminating NUL (<paramref name="nameNulTerminated"/>) so it can be passed
    /// to a *at(2) call as is.
    /// </summary>
    public bool TryNext(out byte type, out ReadOnlySpan<byte> nameNulTerminated)
    {
        type = 0;
        nameNulTerminated = default;
        if (_rest.Length <= NameOffset)
            return false;
        int length = MemoryMarshal.Read<ushort>(_rest[RecordLengthOffset..]);
        if (length <= NameOffset || length > _rest.Length)
            return false;
        var record = _rest[..length];
        _rest = _rest[length..];
        type = record[TypeOffset];
        var nul = record[NameOffset..].IndexOf((byte)0);
        if (nul < 0)
            return false;
        nameNulTerminated = record.Slice(NameOffset, nul + 1);
        return true;
    }
}
