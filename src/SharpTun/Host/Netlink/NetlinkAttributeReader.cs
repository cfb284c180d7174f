using static SharpTun.Host.Netlink.NetlinkConstants;

namespace SharpTun.Host.Netlink;

/// <summary>Walks the attributes (struct nlattr) of a netlink payload; stops at the first malformed one.</summary>
internal ref struct NetlinkAttributeReader(ReadOnlySpan<byte> attributes)
{
    // NLA_F_NESTED and NLA_F_NET_BYTEORDER live in the top two bits of nla_type.
    private const ushort TypeMask = 0x3fff;

    private ReadOnlySpan<byte> _rest = attributes;

    public bool TryNext(out ushort type, out ReadOnlySpan<byte> value)
    {
        type = 0;
        value = default;
        if (_rest.Length < AttributeHeaderSize)
            return false;
        var length = BitConverter.ToUInt16(_rest);
        if (length < AttributeHeaderSize || length > _rest.Length)
            return false;
        type = (ushort)(BitConverter.ToUInt16(_rest[2..]) & TypeMask);
        value = _rest[AttributeHeaderSize..length];
        _rest = _rest[Math.Min(NetlinkMessageWriter.Align(length), _rest.Length)..];
        return true;
    }
}
