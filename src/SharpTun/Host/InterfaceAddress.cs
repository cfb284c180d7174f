using System.Net;

namespace SharpTun.Host;

/// <summary>
/// An address on an interface with its prefix length, e.g. 10.0.0.1/24. Not an
/// <see cref="IPNetwork"/>: the host bits are the point.
/// </summary>
public readonly record struct InterfaceAddress
{
    public InterfaceAddress(IPAddress address, int prefixLength)
    {
        ArgumentNullException.ThrowIfNull(address);
        var maximum = address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? 128 : 32;
        ArgumentOutOfRangeException.ThrowIfNegative(prefixLength);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(prefixLength, maximum);
        Address = address;
        PrefixLength = prefixLength;
    }

    public IPAddress Address { get; }

    public int PrefixLength { get; }

    /// <summary>The subnet the address is in: host bits cleared, e.g. 10.0.0.0/24 for 10.0.0.1/24.</summary>
    public IPNetwork Network
    {
        get
        {
            var bytes = Address.GetAddressBytes();
            for (var bit = PrefixLength; bit < bytes.Length * 8; bit++)
                bytes[bit / 8] &= (byte)~(0x80 >> (bit % 8));
            return new IPNetwork(new IPAddress(bytes), PrefixLength);
        }
    }

    /// <summary>Parses "10.0.0.1/24" or "fd00::1/64".</summary>
    public static InterfaceAddress Parse(string text)
    {
        var slash = text.IndexOf('/');
        if (slash < 0 || !IPAddress.TryParse(text.AsSpan(0, slash), out var address) || !int.TryParse(text.AsSpan(slash + 1), out var prefix))
            throw new FormatException($"'{text}' is not an address with a prefix length such as 10.0.0.1/24");
        return new InterfaceAddress(address, prefix);
    }

    public override string ToString() => $"{Address}/{PrefixLength}";
}
