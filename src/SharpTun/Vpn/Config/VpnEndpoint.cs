using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace SharpTun.Vpn.Config;

/// <summary>
/// A peer's <c>Endpoint</c>: an IPv4 address, an IPv6 address or a host name, and a UDP (or TCP)
/// port. Host names are kept as written: they are resolved when the tunnel starts and again when
/// handshakes stop succeeding, so a peer behind dynamic DNS is found again.
/// </summary>
public sealed record VpnEndpoint
{
    /// <summary>RFC 1035 §2.3.4: at most 253 characters in the text form of a name.</summary>
    private const int MaximumHostLength = 253;

    private VpnEndpoint(string host, IPAddress? address, int port)
    {
        Host = host;
        Address = address;
        Port = port;
    }

    /// <summary>The host as written (without the brackets of an IPv6 address).</summary>
    public string Host { get; }

    /// <summary>The address when <see cref="Host"/> is an IP literal; null for a host name.</summary>
    public IPAddress? Address { get; }

    public int Port { get; }

    /// <summary>True when <see cref="Host"/> is a name that needs resolving.</summary>
    public bool IsHostName => Address is null;

    /// <summary>An endpoint for an address (e.g. one just resolved).</summary>
    public static VpnEndpoint FromAddress(IPAddress address, int port)
    {
        ArgumentNullException.ThrowIfNull(address);
        ArgumentOutOfRangeException.ThrowIfLessThan(port, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(port, ushort.MaxValue);
        return new VpnEndpoint(address.ToString(), address, port);
    }

    /// <summary>
    /// Parses <c>host:port</c>, <c>[v6]:port</c> or (as wg accepts, splitting at the last colon)
    /// <c>v6:port</c>. On failure <paramref name="error"/> says what is wrong.
    /// </summary>
    public static bool TryParse(string text, [NotNullWhen(true)] out VpnEndpoint? endpoint, [NotNullWhen(false)] out string? error)
    {
        endpoint = null;
        string host, port;
        if (text.StartsWith('['))
        {
            var close = text.IndexOf(']');
            if (close < 0)
                return Fail($"'{text}' has no ']' closing the IPv6 address", out error);
            host = text[1..close];
            if (close + 1 >= text.Length || text[close + 1] != ':')
                return Fail($"'{text}' has no port: write [address]:port, e.g. [2001:db8::1]:51820", out error);
            port = text[(close + 2)..];
            if (!IPAddress.TryParse(host, out var bracketed) || bracketed.AddressFamily != AddressFamily.InterNetworkV6)
                return Fail($"'{host}' in brackets is not an IPv6 address", out error);
        }
        else
        {
            var colon = text.LastIndexOf(':');
            if (colon < 0)
                return Fail($"'{text}' has no port: write host:port, e.g. vpn.example.org:51820", out error);
            host = text[..colon];
            port = text[(colon + 1)..];
        }
        if (!TryParsePort(port, out var number))
            return Fail($"port '{port}' of '{text}' is not a number from 1 to 65535", out error);
        if (!TryParseHost(host, out var address, out error))
            return false;
        endpoint = new VpnEndpoint(host, address, number);
        return true;
    }

    /// <summary>As wg prints endpoints: <c>192.0.2.1:51820</c>, <c>[2001:db8::1]:51820</c>, <c>vpn.example.org:51820</c>.</summary>
    public override string ToString() =>
        Address?.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{Host}]:{Port}" : $"{Host}:{Port}";

    private static bool TryParsePort(string text, out int port)
    {
        port = 0;
        return text.Length is > 0 and <= 5 && text.All(char.IsAsciiDigit)
            && int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out port) && port is >= 1 and <= ushort.MaxValue;
    }

    private static bool TryParseHost(string host, out IPAddress? address, [NotNullWhen(false)] out string? error)
    {
        address = null;
        error = null;
        if (host.Length == 0)
            return Fail("the endpoint has no host before the port", out error);
        if (host.Contains(':'))
        {
            // No brackets: only an IPv6 address can contain a colon (wg splits at the last one, too).
            if (IPAddress.TryParse(host, out address) && address.AddressFamily == AddressFamily.InterNetworkV6)
                return true;
            return Fail($"'{host}' is not an IPv6 address (write IPv6 endpoints as [address]:port)", out error);
        }
        if (host.All(c => char.IsAsciiDigit(c) || c == '.'))
        {
            // All digits and dots: an IPv4 address, and only the dotted-quad form, so that a typo
            // such as 10.0.1 is refused instead of being read as 10.0.0.1 the way inet_aton would.
            if (host.Split('.').Length == 4 && IPAddress.TryParse(host, out address))
                return true;
            return Fail($"'{host}' is not an IPv4 address", out error);
        }
        if (host.Length > MaximumHostLength || !host.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '.' or '_') || host.StartsWith('.') || host.Contains(".."))
            return Fail($"'{host}' is not a host name (letters, digits, '-', '_' and dots, at most {MaximumHostLength} characters)", out error);
        return true;
    }

    private static bool Fail(string message, out string error)
    {
        error = message;
        return false;
    }
}
