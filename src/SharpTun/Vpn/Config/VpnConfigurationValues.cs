using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using SharpTun.Host;

namespace SharpTun.Vpn.Config;

/// <summary>
/// Parsers for the values of a wg-quick file, each returning false with a message that says what
/// was expected. They accept what wg(8) and wg-quick(8) accept, except where noted.
/// </summary>
internal static class VpnConfigurationValues
{
    /// <summary>Smallest MTU Linux accepts on a device carrying IPv4 (RFC 791: 68 octets).</summary>
    public const int MinimumMtu = 68;

    /// <summary>Smallest MTU of a link carrying IPv6 (RFC 8200 §5); below it the kernel drops the device's IPv6 addresses.</summary>
    public const int MinimumIpv6Mtu = 1280;

    /// <summary>Splits list values the way wg-quick does (<c>${value//,/ }</c>): on commas and whitespace.</summary>
    public static string[] SplitList(string value) =>
        value.Split([',', ' ', '\t'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    public static bool TryParseKey(string key, string value, [NotNullWhen(true)] out WireGuardKey? parsed, [NotNullWhen(false)] out string? error)
    {
        error = null;
        if (!WireGuardKey.TryParse(value, out parsed))
        {
            error = $"{key} is not a WireGuard key: expected {WireGuardKey.TextLength} characters of base64 encoding 32 bytes, as printed by 'sharptun vpn genkey' or 'wg genkey'";
            return false;
        }
        return true;
    }

    /// <summary><c>Address</c>: an address with an optional prefix length (none means a single host, as <c>ip address add</c> takes it).</summary>
    public static bool TryParseAddress(string text, out InterfaceAddress address, [NotNullWhen(false)] out string? error)
    {
        address = default;
        if (!TrySplitPrefix(text, out var ip, out var prefix, out error))
            return false;
        address = new InterfaceAddress(ip, prefix);
        return true;
    }

    /// <summary>
    /// An <c>AllowedIPs</c> entry. Host bits are cleared, as the kernel and wg do (wg prints a
    /// warning, and so do we through <paramref name="hostBitsSet"/>).
    /// </summary>
    public static bool TryParsePrefix(string text, out IPNetwork network, out bool hostBitsSet, [NotNullWhen(false)] out string? error)
    {
        network = default;
        hostBitsSet = false;
        if (!TrySplitPrefix(text, out var ip, out var prefix, out error))
            return false;
        network = new InterfaceAddress(ip, prefix).Network;
        hostBitsSet = !network.BaseAddress.Equals(ip);
        return true;
    }

    /// <summary>
    /// One <c>DNS</c> entry, split as wg-quick does: digits and dots, or anything with a colon, is a
    /// server address; anything else is a search domain.
    /// </summary>
    public static bool TryParseDnsEntry(string text, out IPAddress? server, out string? searchDomain, [NotNullWhen(false)] out string? error)
    {
        server = null;
        searchDomain = null;
        error = null;
        if (text.Contains(':') || text.All(c => char.IsAsciiDigit(c) || c == '.'))
        {
            if (IPAddress.TryParse(text, out server) && (server.AddressFamily == AddressFamily.InterNetworkV6 || text.Split('.').Length == 4))
                return true;
            error = $"DNS server '{text}' is not an IPv4 or IPv6 address";
            return false;
        }
        if (!text.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '.' or '_') || text.StartsWith('.') || text.Contains(".."))
        {
            error = $"DNS search domain '{text}' is not a domain name (letters, digits, '-', '_' and dots)";
            return false;
        }
        searchDomain = text;
        return true;
    }

    public static bool TryParseMtu(string text, out int mtu, [NotNullWhen(false)] out string? error)
    {
        error = null;
        if (TryParseDecimal(text, out var value) && value is >= MinimumMtu and <= ushort.MaxValue)
        {
            mtu = (int)value;
            return true;
        }
        mtu = 0;
        error = $"MTU '{text}' is not a number from {MinimumMtu} to {ushort.MaxValue}";
        return false;
    }

    /// <summary><c>ListenPort</c>: 0-65535, 0 meaning any free port (as wg takes it).</summary>
    public static bool TryParseListenPort(string text, out int port, [NotNullWhen(false)] out string? error)
    {
        error = null;
        if (TryParseDecimal(text, out var value) && value <= ushort.MaxValue)
        {
            port = (int)value;
            return true;
        }
        port = 0;
        error = $"ListenPort '{text}' is not a port number from 1 to 65535 (or 0 for any free port)";
        return false;
    }

    /// <summary>
    /// <c>Table</c>: auto, off, a number, or one of the names every iproute2 knows (main, local,
    /// default). Other names would need /etc/iproute2/rt_tables, which SharpTun does not read.
    /// </summary>
    public static bool TryParseTable(string text, out VpnRouteTable table, [NotNullWhen(false)] out string? error)
    {
        error = null;
        VpnRouteTable? named = text.ToLowerInvariant() switch
        {
            "auto" => VpnRouteTable.Auto,
            "off" => VpnRouteTable.Off,
            "main" => new(VpnRouteTableKind.Id, Route.MainTable),
            "local" => new(VpnRouteTableKind.Id, 255),
            "default" => new(VpnRouteTableKind.Id, 253),
            _ => null,
        };
        table = named ?? default;
        if (named is not null)
            return true;
        if (TryParseDecimal(text, out var id) && id is > 0 and <= uint.MaxValue)
        {
            table = new VpnRouteTable(VpnRouteTableKind.Id, (uint)id);
            return true;
        }
        error = $"Table '{text}' is not auto, off, main or a table number from 1 to {uint.MaxValue} (names from /etc/iproute2/rt_tables are not read: give the number)";
        return false;
    }

    /// <summary><c>FwMark</c>: off, a decimal number or 0x hexadecimal (as wg takes it); 0 means off.</summary>
    public static bool TryParseFirewallMark(string text, out uint? mark, [NotNullWhen(false)] out string? error)
    {
        error = null;
        mark = null;
        if (text.Equals("off", StringComparison.OrdinalIgnoreCase))
            return true;
        ulong value;
        var parsed = text.StartsWith("0x", StringComparison.OrdinalIgnoreCase) && text.Length > 2
            ? ulong.TryParse(text.AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out value)
            : TryParseDecimal(text, out value);
        if (parsed && value <= uint.MaxValue)
        {
            mark = value == 0 ? null : (uint)value;
            return true;
        }
        error = $"FwMark '{text}' is not off or a number from 0 to 0xffffffff (decimal, or hexadecimal with 0x)";
        return false;
    }

    /// <summary><c>PersistentKeepalive</c>: off or 0-65535 seconds; 0 means off.</summary>
    public static bool TryParseKeepalive(string text, out int? seconds, [NotNullWhen(false)] out string? error)
    {
        error = null;
        seconds = null;
        if (text.Equals("off", StringComparison.OrdinalIgnoreCase))
            return true;
        if (TryParseDecimal(text, out var value) && value <= ushort.MaxValue)
        {
            seconds = value == 0 ? null : (int)value;
            return true;
        }
        error = $"PersistentKeepalive '{text}' is not off or a number of seconds from 1 to 65535";
        return false;
    }

    /// <summary><c>SaveConfig</c>: true or false, any case (wg-quick refuses anything else).</summary>
    public static bool TryParseBoolean(string key, string text, out bool value, [NotNullWhen(false)] out string? error)
    {
        error = null;
        value = text.Equals("true", StringComparison.OrdinalIgnoreCase);
        if (value || text.Equals("false", StringComparison.OrdinalIgnoreCase))
            return true;
        error = $"{key} '{text}' is neither true nor false";
        return false;
    }

    public static bool TryParseTransport(string text, out VpnTransport transport, [NotNullWhen(false)] out string? error)
    {
        error = null;
        if (text.Equals("udp", StringComparison.OrdinalIgnoreCase))
        {
            transport = VpnTransport.Udp;
            return true;
        }
        if (text.Equals("tcp", StringComparison.OrdinalIgnoreCase))
        {
            transport = VpnTransport.Tcp;
            return true;
        }
        transport = default;
        error = $"Transport '{text}' is neither udp nor tcp";
        return false;
    }

    /// <summary>An interface name for <c>Masquerade</c>: what the kernel accepts (1-15 bytes, no '/', ':' or whitespace).</summary>
    public static bool TryParseInterfaceName(string key, string text, [NotNullWhen(false)] out string? error)
    {
        error = null;
        try
        {
            Tun.TunName.Validate(text);
        }
        catch (ArgumentException e)
        {
            error = $"{key}: {e.Message.Replace($" (Parameter '{e.ParamName}')", "", StringComparison.Ordinal)}";
            return false;
        }
        if (Tun.TunName.IsPattern(text))
        {
            error = $"{key} '{text}' must name an existing interface, not a pattern";
            return false;
        }
        // The name goes into an nftables rule inside double quotes.
        if (text.Contains('"') || text.Contains('\\'))
        {
            error = $"{key} '{text}': an interface name with '\"' or '\\' cannot be used in an nftables rule";
            return false;
        }
        return true;
    }

    private static bool TrySplitPrefix(string text, [NotNullWhen(true)] out IPAddress? address, out int prefix, [NotNullWhen(false)] out string? error)
    {
        error = null;
        prefix = 0;
        var slash = text.IndexOf('/');
        var addressText = slash < 0 ? text : text[..slash];
        // Digits and dots must be a dotted quad: IPAddress would read "10.1" as 10.0.0.1.
        var dottedQuad = addressText.Contains(':') || addressText.Split('.').Length == 4;
        if (!dottedQuad || !IPAddress.TryParse(addressText, out address) || addressText.Contains('%'))
        {
            address = null;
            error = $"'{text}' is not an IP address with an optional prefix length, such as 10.0.0.2/24 or fd00::2/64";
            return false;
        }
        var maximum = address.AddressFamily == AddressFamily.InterNetworkV6 ? 128 : 32;
        if (slash < 0)
        {
            prefix = maximum;
            return true;
        }
        if (TryParseDecimal(text[(slash + 1)..], out var length) && length <= (ulong)maximum)
        {
            prefix = (int)length;
            return true;
        }
        error = $"'{text}': the prefix length must be a number from 0 to {maximum}";
        return false;
    }

    /// <summary>Plain decimal digits only: no sign, no spaces, no exponent.</summary>
    private static bool TryParseDecimal(string text, out ulong value)
    {
        value = 0;
        return text.Length is > 0 and <= 19 && text.All(char.IsAsciiDigit)
            && ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value);
    }
}
