using System.Runtime.InteropServices;
using System.Text;
using static SharpTun.Host.Netlink.NetlinkConstants;

namespace SharpTun.Host.Netlink;

/// <summary>
/// Builds one netlink request in a caller-provided buffer: the 16-byte nlmsghdr, a fixed family
/// header, then attributes (struct nlattr: u16 length, u16 type, value padded to 4 bytes).
/// Integers are in host byte order, as netlink expects; addresses are in network order.
/// </summary>
internal ref struct NetlinkMessageWriter
{
    private readonly Span<byte> _buffer;
    private int _length;

    public NetlinkMessageWriter(Span<byte> buffer, ushort type, ushort flags, uint sequence)
    {
        _buffer = buffer;
        _buffer[..HeaderSize].Clear();
        MemoryMarshal.Write(_buffer[4..], in type);
        MemoryMarshal.Write(_buffer[6..], in flags);
        MemoryMarshal.Write(_buffer[8..], in sequence);
        _length = HeaderSize;
    }

    /// <summary>Reserves <paramref name="size"/> zeroed bytes (a family header) and returns them.</summary>
    public Span<byte> Reserve(int size)
    {
        var aligned = Align(size);
        var span = _buffer.Slice(_length, aligned);
        span.Clear();
        _length += aligned;
        return span[..size];
    }

    public void AddUInt8(ushort type, byte value) => AddAttribute(type, 1)[0] = value;

    public void AddUInt32(ushort type, uint value) => MemoryMarshal.Write(AddAttribute(type, 4), in value);

    public void AddBytes(ushort type, ReadOnlySpan<byte> value) => value.CopyTo(AddAttribute(type, value.Length));

    /// <summary>A NUL-terminated UTF-8 string (IFLA_IFNAME, FRA_IIFNAME).</summary>
    public void AddString(ushort type, string value)
    {
        var span = AddAttribute(type, Encoding.UTF8.GetByteCount(value) + 1);
        Encoding.UTF8.GetBytes(value, span);
    }

    /// <summary>The finished message with nlmsg_len filled in.</summary>
    public readonly ReadOnlySpan<byte> Finish()
    {
        var length = (uint)_length;
        MemoryMarshal.Write(_buffer, in length);
        return _buffer[.._length];
    }

    private Span<byte> AddAttribute(ushort type, int valueLength)
    {
        var total = AttributeHeaderSize + valueLength;
        var span = _buffer.Slice(_length, Align(total));
        span.Clear();
        var length = (ushort)total;
        MemoryMarshal.Write(span, in length);
        MemoryMarshal.Write(span[2..], in type);
        _length += span.Length;
        return span.Slice(AttributeHeaderSize, valueLength);
    }

    public static int Align(int length) => (length + 3) & ~3;
}
