using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace SharpTun.Host.Processes;

/// <summary>
/// An IP address as one 128-bit number in network order, IPv4 as IPv4-mapped IPv6
/// (<c>::ffff:a.b.c.d</c>, RFC 4291 §2.5.5.2), so that an IPv4 flow compares equal to a dual-stack
/// IPv6 socket bound or connected to the same address.
/// </summary>
internal static class SocketAddressKey
{
    private static readonly UInt128 MappedPrefix = (UInt128)0xffff << 32;

    /// <summary><c>0.0.0.0</c> as a key: the IPv4 wildcard.</summary>
    public static UInt128 IPv4Any => MappedPrefix;

    /// <summary>The key of <paramref name="address"/> (IPv4, IPv6 or IPv4-mapped IPv6).</summary>
    public static UInt128 From(IPAddress address)
    {
        Span<byte> bytes = stackalloc byte[16];
        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            address.TryWriteBytes(bytes, out _);
            return FromIPv4(bytes[..4]);
        }
        address.TryWriteBytes(bytes, out _);
        return BinaryPrimitives.ReadUInt128BigEndian(bytes);
    }

    /// <summary>The key of an IPv4 address given as its 4 bytes.</summary>
    public static UInt128 FromIPv4(ReadOnlySpan<byte> address) => MappedPrefix | BinaryPrimitives.ReadUInt32BigEndian(address);

    /// <summary>The key of a 16-byte sock_diag address field of <paramref name="family"/> (IPv4 uses its first 4 bytes).</summary>
    public static UInt128 FromField(ReadOnlySpan<byte> field, byte family) =>
        family == SockDiagConstants.AF_INET ? FromIPv4(field[..4]) : BinaryPrimitives.ReadUInt128BigEndian(field);

    /// <summary>True for <c>0.0.0.0</c> and <c>::</c>: a socket bound to any local address.</summary>
    public static bool IsAny(UInt128 key) => key == UInt128.Zero || key == MappedPrefix;

    /// <summary>True for an IPv4 (or IPv4-mapped) address.</summary>
    public static bool IsIPv4(UInt128 key) => key >> 32 == 0xffff;

    /// <summary>Writes the key into a 16-byte sock_diag address field for <paramref name="family"/>.</summary>
    public static void WriteField(UInt128 key, byte family, Span<byte> field)
    {
        field[..16].Clear();
        if (family == SockDiagConstants.AF_INET)
            BinaryPrimitives.WriteUInt32BigEndian(field, (uint)key);
        else
            BinaryPrimitives.WriteUInt128BigEndian(field, key);
    }
}
