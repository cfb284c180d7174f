using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace SharpTun.Vpn.Transport;

/// <summary>
/// A UDP endpoint as a value: an IPv6 address (IPv4 as ::ffff:a.b.c.d) and a port. Unlike
/// <see cref="IPEndPoint"/> it needs no allocation, so the receive path can carry one per packet.
/// </summary>
public readonly struct WireGuardEndpoint : IEquatable<WireGuardEndpoint>
{
    /// <summary>Bytes of <see cref="WriteBytes"/>: 16 of address, 2 of port.</summary>
    public const int ByteLength = 18;

    private readonly ulong _high;
    private readonly ulong _low;

    /// <param name="address">4 or 16 bytes in network order.</param>
    public WireGuardEndpoint(ReadOnlySpan<byte> address, ushort port)
    {
        Port = port;
        if (address.Length == 4)
        {
            _high = 0;
            _low = 0x0000ffff00000000UL | BinaryPrimitives.ReadUInt32BigEndian(address);
        }
        else if (address.Length == 16)
        {
            _high = BinaryPrimitives.ReadUInt64BigEndian(address);
            _low = BinaryPrimitives.ReadUInt64BigEndian(address[8..]);
        }
        else
        {
            throw new ArgumentException("an IP address is 4 or 16 bytes", nameof(address));
        }
    }

    public ushort Port { get; }

    /// <summary>True for an IPv4 address (held as IPv4-mapped IPv6).</summary>
    public bool IsIPv4 => _high == 0 && (_low >> 32) == 0xffff;

    public static WireGuardEndpoint From(IPEndPoint endpoint)
    {
        Span<byte> bytes = stackalloc byte[16];
        var address = endpoint.Address;
        if (address.AddressFamily == AddressFamily.InterNetwork)
            address = address.MapToIPv6();
        address.TryWriteBytes(bytes, out _);
        return new WireGuardEndpoint(bytes, (ushort)endpoint.Port);
    }

    /// <summary>The 16-byte (IPv4-mapped for IPv4) address.</summary>
    public void WriteAddress(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt64BigEndian(destination, _high);
        BinaryPrimitives.WriteUInt64BigEndian(destination[8..], _low);
    }

    /// <summary>Address and port as 18 bytes: the input of the cookie MAC (paper §5.4.7).</summary>
    public void WriteBytes(Span<byte> destination)
    {
        WriteAddress(destination);
        BinaryPrimitives.WriteUInt16BigEndian(destination[16..], Port);
    }

    /// <summary>The address as one 128-bit key (rate limiting).</summary>
    internal UInt128 AddressKey => new(_high, _low);

    public IPEndPoint ToIPEndPoint()
    {
        Span<byte> bytes = stackalloc byte[16];
        WriteAddress(bytes);
        var address = new IPAddress(bytes);
        return new IPEndPoint(IsIPv4 ? address.MapToIPv4() : address, Port);
    }

    public bool Equals(WireGuardEndpoint other) => _high == other._high && _low == other._low && Port == other.Port;

    public override bool Equals(object? obj) => obj is WireGuardEndpoint other && Equals(other);

    public override int GetHashCode() => HashCode.Combine(_high, _low, Port);

    public override string ToString() => ToIPEndPoint().ToString();

    public static bool operator ==(WireGuardEndpoint left, WireGuardEndpoint right) => left.Equals(right);

    public static bool operator !=(WireGuardEndpoint left, WireGuardEndpoint right) => !left.Equals(right);
}
