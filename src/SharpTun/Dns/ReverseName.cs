using System.Globalization;
using SharpTun.Stack.Nat;

namespace SharpTun.Dns;

/// <summary>Reads the address a PTR query asks about: <c>d.c.b.a.in-addr.arpa</c> (RFC 1035 §3.5) and the 32 nibbles of <c>ip6.arpa</c> (RFC 3596 §2.5).</summary>
public static class ReverseName
{
    private const string Ipv4Suffix = ".in-addr.arpa";
    private const string Ipv6Suffix = ".ip6.arpa";

    /// <summary>True when <paramref name="name"/> (dotted, no final dot) names one whole address.</summary>
    public static bool TryParse(ReadOnlySpan<char> name, out NatEndpoint address)
    {
        address = default;
        if (name.EndsWith(Ipv4Suffix, StringComparison.OrdinalIgnoreCase))
            return TryParseIpv4(name[..^Ipv4Suffix.Length], out address);
        if (name.EndsWith(Ipv6Suffix, StringComparison.OrdinalIgnoreCase))
            return TryParseIpv6(name[..^Ipv6Suffix.Length], out address);
        return false;
    }

    private static bool TryParseIpv4(ReadOnlySpan<char> labels, out NatEndpoint address)
    {
        address = default;
        uint value = 0;
        var count = 0;
        foreach (var range in labels.Split('.'))
        {
            var label = labels[range];
            // Least significant octet first; "010" is not an octet's spelling.
            if (count == 4 || label.Length is 0 or > 3 || (label.Length > 1 && label[0] == '0')
                || !byte.TryParse(label, NumberStyles.None, CultureInfo.InvariantCulture, out var octet))
                return false;
            value |= (uint)octet << (8 * count++);
        }
        if (count != 4)
            return false;
        address = NatEndpoint.V4(value, 0);
        return true;
    }

    private static bool TryParseIpv6(ReadOnlySpan<char> labels, out NatEndpoint address)
    {
        address = default;
        if (labels.Length != 63)
            return false; // 32 nibbles and 31 dots
        UInt128 value = 0;
        for (var i = 0; i < 32; i++)
        {
            if (i > 0 && labels[2 * i - 1] != '.')
                return false;
            var nibble = HexValue(labels[2 * i]);
            if (nibble < 0)
                return false;
            value |= (UInt128)(uint)nibble << (4 * i);
        }
        address = NatEndpoint.V6(value, 0);
        return true;
    }

    private static int HexValue(char c) => c switch
    {
        >= '0' and <= '9' => c - '0',
        >= 'a' and <= 'f' => c - 'a' + 10,
        >= 'A' and <= 'F' => c - 'A' + 10,
        _ => -1,
    };
}
