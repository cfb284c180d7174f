using System.Buffers.Binary;

namespace SharpTun.Proxy.Outbounds.Socks5;

/// <summary>
/// A view of the header in front of every datagram relayed through a SOCKS5 UDP association
/// (RFC 1928 §7):
/// <code>
/// +----+------+------+----------+----------+----------+
/// |RSV | FRAG | ATYP | DST.ADDR | DST.PORT |   DATA   |
/// +----+------+------+----------+----------+----------+
/// | 2  |  1   |  1   | Variable |    2     | Variable |
/// +----+------+------+----------+----------+----------+
/// </code>
/// Client to relay, DST is where the datagram goes; relay to client, it is where the datagram came
/// from. Parsing and writing allocate nothing: <see cref="TryParse"/> validates once, after which
/// no accessor can fail; the writers fill a caller buffer (with headroom for the header in front of
/// the payload, so a datagram is never copied twice).
/// </summary>
public readonly ref struct Socks5UdpHeader
{
    /// <summary>The longest header: RSV, FRAG, then the longest ATYP/ADDR/PORT (a 255-byte name).</summary>
    public const int MaxLength = 2 + 1 + Socks5Address.MaxLength;

    /// <summary>The shortest header: IPv4 (RSV, FRAG, ATYP, 4 address bytes, port).</summary>
    public const int MinLength = 2 + 1 + 1 + 4 + 2;

    private static class Field
    {
        public const int Reserved = 0, Fragment = 2, AddressType = 3, Address = 4;
    }

    private readonly ReadOnlySpan<byte> _datagram;
    private readonly int _addressOffset;
    private readonly int _addressLength;

    private Socks5UdpHeader(ReadOnlySpan<byte> datagram, int addressOffset, int addressLength)
    {
        _datagram = datagram;
        _addressOffset = addressOffset;
        _addressLength = addressLength;
    }

    /// <summary>
    /// FRAG: 0 for a whole datagram, else the fragment position (high bit: last fragment). We never
    /// reassemble: RFC 1928 §7 makes fragmentation optional, and no common server sends fragments,
    /// so receivers drop any datagram whose FRAG is not 0.
    /// </summary>
    public byte Fragment => _datagram[Field.Fragment];

    /// <summary>ATYP of the address.</summary>
    public Socks5AddressType AddressType => (Socks5AddressType)_datagram[Field.AddressType];

    /// <summary>The address bytes: 4 (IPv4), 16 (IPv6), or the name without its length octet.</summary>
    public ReadOnlySpan<byte> Address => _datagram.Slice(_addressOffset, _addressLength);

    /// <summary>DST.PORT.</summary>
    public int Port => BinaryPrimitives.ReadUInt16BigEndian(_datagram[(_addressOffset + _addressLength)..]);

    /// <summary>The header's length: where the payload starts.</summary>
    public int Length => _addressOffset + _addressLength + 2;

    /// <summary>The datagram's payload (DATA).</summary>
    public ReadOnlySpan<byte> Payload => _datagram[Length..];

    /// <summary>
    /// Parses the header at the start of <paramref name="datagram"/>. Returns false, never throws,
    /// when it is truncated, has an unknown ATYP, or carries an empty or invalid name. RSV is not
    /// checked: RFC 1928 gives it no meaning, and a receiver gains nothing by rejecting it.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> datagram, out Socks5UdpHeader header)
    {
        header = default;
        if (datagram.Length <= Field.AddressType)
            return false;
        var addressType = datagram[Field.AddressType];
        int addressOffset = Field.Address, addressLength = Socks5Address.FixedAddressLength(addressType);
        if (addressType == (byte)Socks5AddressType.DomainName)
        {
            if (datagram.Length <= Field.Address)
                return false;
            addressLength = datagram[Field.Address];
            addressOffset = Field.Address + 1;
        }
        else if (addressLength < 0)
        {
            return false;
        }
        if (datagram.Length < addressOffset + addressLength + 2)
            return false;
        if (addressType == (byte)Socks5AddressType.DomainName && Socks5Address.ValidateDomain(datagram.Slice(addressOffset, addressLength)) is not null)
            return false;
        header = new Socks5UdpHeader(datagram, addressOffset, addressLength);
        return true;
    }

    /// <summary>The header length <see cref="Write"/> produces for <paramref name="destination"/>.</summary>
    public static int GetLength(in ProxyDestination destination) => Field.Address - 1 + Socks5Address.GetLength(destination);

    /// <summary>
    /// Writes a header (RSV 0, FRAG 0) for <paramref name="destination"/> at the start of
    /// <paramref name="buffer"/>; returns its length. The buffer must hold <see cref="GetLength"/> bytes.
    /// </summary>
    public static int Write(Span<byte> buffer, in ProxyDestination destination)
    {
        var length = GetLength(destination);
        if (buffer.Length < length)
            throw new ArgumentException($"a SOCKS5 UDP header for {destination} needs {length} bytes, the buffer has {buffer.Length}", nameof(buffer));
        BinaryPrimitives.WriteUInt16BigEndian(buffer, 0);
        buffer[Field.Fragment] = 0;
        Socks5Address.Write(buffer[Field.AddressType..], destination);
        return length;
    }

    /// <summary>
    /// Writes the header so that it ends exactly at <paramref name="payloadOffset"/>, in front of a
    /// payload already in <paramref name="buffer"/>; returns the offset where the header (and so the
    /// datagram to send) starts. <paramref name="payloadOffset"/> of <see cref="MaxLength"/> is always enough.
    /// </summary>
    public static int WriteBefore(Span<byte> buffer, int payloadOffset, in ProxyDestination destination)
    {
        var length = GetLength(destination);
        if (payloadOffset < length || payloadOffset > buffer.Length)
            throw new ArgumentOutOfRangeException(nameof(payloadOffset), payloadOffset, $"a SOCKS5 UDP header for {destination} needs {length} bytes of headroom");
        var start = payloadOffset - length;
        Write(buffer[start..payloadOffset], destination);
        return start;
    }

    /// <summary>The address as a destination. Allocates (an IPAddress or a string): not for every datagram.</summary>
    public ProxyDestination ToDestination() => Socks5Address.Decode(AddressType, Address, Port);
}
