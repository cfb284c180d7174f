using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace SharpTun.Proxy.Outbounds.Socks5;

/// <summary>
/// The ATYP, ADDR, PORT triple shared by requests, replies and UDP headers (RFC 1928 §4-§7):
/// <code>
/// +------+----------+------+
/// | ATYP |   ADDR   | PORT |
/// +------+----------+------+
/// |  1   | Variable |  2   |   PORT in network byte order
/// +------+----------+------+
/// </code>
/// </summary>
internal static class Socks5Address
{
    /// <summary>The longest triple: ATYP, length octet, 255 bytes of name, port.</summary>
    public const int MaxLength = 1 + 1 + ProxyDestination.MaxDomainLength + 2;

    /// <summary>Bytes <see cref="Write"/> needs for <paramref name="destination"/>.</summary>
    public static int GetLength(in ProxyDestination destination) =>
        destination.IsDomain ? 1 + 1 + destination.Domain.Length + 2
        : IsV4(destination.Address) ? 1 + 4 + 2 : 1 + 16 + 2;

    /// <summary>
    /// Writes ATYP, ADDR and PORT; returns the bytes written. An IPv4-mapped IPv6 address goes as
    /// IPv4, so IPv4-only servers can carry it. Names are ASCII (checked by <see cref="ProxyDestination"/>).
    /// </summary>
    public static int Write(Span<byte> buffer, in ProxyDestination destination)
    {
        int addressLength;
        if (destination.IsDomain)
        {
            buffer[0] = (byte)Socks5AddressType.DomainName;
            buffer[1] = (byte)destination.Domain.Length;
            addressLength = 1 + Encoding.ASCII.GetBytes(destination.Domain, buffer[2..]);
        }
        else if (IsV4(destination.Address))
        {
            buffer[0] = (byte)Socks5AddressType.IPv4;
            var v4 = destination.Address.IsIPv4MappedToIPv6 ? destination.Address.MapToIPv4() : destination.Address;
            v4.TryWriteBytes(buffer[1..], out addressLength);
        }
        else
        {
            buffer[0] = (byte)Socks5AddressType.IPv6;
            destination.Address.TryWriteBytes(buffer[1..], out addressLength);
        }
        BinaryPrimitives.WriteUInt16BigEndian(buffer[(1 + addressLength)..], (ushort)destination.Port);
        return 1 + addressLength + 2;
    }

    /// <summary>
    /// The ADDR length for <paramref name="addressType"/>: 4, 16, or for a name the length octet's
    /// value (the octet itself not counted). Returns -1 for an unknown ATYP.
    /// </summary>
    public static int FixedAddressLength(byte addressType) => addressType switch
    {
        (byte)Socks5AddressType.IPv4 => 4,
        (byte)Socks5AddressType.IPv6 => 16,
        _ => -1,
    };

    /// <summary>
    /// Checks that the bytes of a DOMAINNAME are a name we accept (non-empty printable ASCII, see
    /// <see cref="ProxyDestination"/>); returns what is wrong, or null. Allocates only on failure.
    /// </summary>
    public static string? ValidateDomain(ReadOnlySpan<byte> name)
    {
        if (name.Length == 0)
            return "is empty";
        Span<char> chars = stackalloc char[ProxyDestination.MaxDomainLength];
        var count = Encoding.Latin1.GetChars(name, chars);
        return ProxyDestination.ValidateDomain(chars[..count]);
    }

    /// <summary>Builds the destination from validated fields; allocates the address or the name.</summary>
    public static ProxyDestination Decode(Socks5AddressType addressType, ReadOnlySpan<byte> address, int port) =>
        addressType == Socks5AddressType.DomainName
            ? ProxyDestination.FromDomain(Encoding.ASCII.GetString(address), port)
            : ProxyDestination.FromAddress(new IPAddress(address), port);

    private static bool IsV4(IPAddress address) =>
        address.AddressFamily == AddressFamily.InterNetwork || address.IsIPv4MappedToIPv6;
}
