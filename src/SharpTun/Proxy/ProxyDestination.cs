using System.Diagnostics.CodeAnalysis;
using System.Net;
using System.Text;

namespace SharpTun.Proxy;

/// <summary>
/// Where a proxied flow goes: an IP address or a domain name, plus a port. Outbounds that can carry
/// a name (SOCKS5 ATYP DOMAINNAME, HTTP CONNECT) send the domain when one is known, so the proxy
/// resolves it; the direct outbound resolves it locally. A struct, so passing one allocates nothing.
/// </summary>
public readonly struct ProxyDestination : IEquatable<ProxyDestination>
{
    /// <summary>Longest domain name in bytes: the SOCKS5 DOMAINNAME length is one octet (RFC 1928 §5).</summary>
    public const int MaxDomainLength = 255;

    private ProxyDestination(IPAddress? address, string? domain, int port)
    {
        Address = address;
        Domain = domain;
        Port = port;
    }

    /// <summary>The address, or null when this destination is a domain name.</summary>
    public IPAddress? Address { get; }

    /// <summary>The domain name (ASCII, as given), or null when this destination is an address.</summary>
    public string? Domain { get; }

    /// <summary>The port, 0-65535.</summary>
    public int Port { get; }

    /// <summary>True when this destination names a domain rather than an address.</summary>
    [MemberNotNullWhen(true, nameof(Domain))]
    [MemberNotNullWhen(false, nameof(Address))]
    public bool IsDomain => Domain is not null;

    /// <summary>A destination at an address. IPv4-mapped IPv6 addresses are kept as given.</summary>
    public static ProxyDestination FromAddress(IPAddress address, int port)
    {
        ArgumentNullException.ThrowIfNull(address);
        ThrowIfBadPort(port);
        return new ProxyDestination(address, null, port);
    }

    /// <summary>A destination at an endpoint.</summary>
    public static ProxyDestination FromEndPoint(IPEndPoint endPoint)
    {
        ArgumentNullException.ThrowIfNull(endPoint);
        return new ProxyDestination(endPoint.Address, null, endPoint.Port);
    }

    /// <summary>A destination by name; throws <see cref="ArgumentException"/> naming the problem when the name is invalid.</summary>
    public static ProxyDestination FromDomain(string domain, int port)
    {
        ArgumentNullException.ThrowIfNull(domain);
        ThrowIfBadPort(port);
        if (ValidateDomain(domain) is { } problem)
            throw new ArgumentException($"domain name '{domain}' {problem}", nameof(domain));
        return new ProxyDestination(null, domain, port);
    }

    /// <summary>
    /// A destination from a host string: an IP literal (IPv6 without brackets) becomes an address,
    /// anything else must be a valid domain name. Returns false with a reason when it is neither.
    /// </summary>
    public static bool TryCreate(string host, int port, out ProxyDestination destination, [NotNullWhen(false)] out string? problem)
    {
        destination = default;
        if (port is < 0 or > 65535)
        {
            problem = $"port {port} is outside 0-65535";
            return false;
        }
        if (IPAddress.TryParse(host, out var address) && !host.Contains('%'))
        {
            destination = new ProxyDestination(address, null, port);
            problem = null;
            return true;
        }
        problem = ValidateDomain(host);
        if (problem is not null)
        {
            problem = $"host '{host}' {problem}";
            return false;
        }
        destination = new ProxyDestination(null, host, port);
        return true;
    }

    /// <summary>The endpoint of an address destination; throws for a domain destination.</summary>
    public IPEndPoint ToEndPoint() =>
        Address is { } address ? new IPEndPoint(address, Port) : throw new InvalidOperationException($"destination {this} is a domain name, not an address");

    /// <summary>"host:port", with IPv6 addresses in brackets.</summary>
    public override string ToString() => FormatHost() + ":" + Port.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The host part as it appears in "host:port" (IPv6 in brackets).</summary>
    public string FormatHost() =>
        Domain ?? (Address is null ? "(none)" : Address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? "[" + Address + "]" : Address.ToString());

    /// <inheritdoc/>
    public bool Equals(ProxyDestination other) =>
        Port == other.Port && string.Equals(Domain, other.Domain, StringComparison.OrdinalIgnoreCase) && Equals(Address, other.Address);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is ProxyDestination other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() =>
        HashCode.Combine(Port, Domain is null ? 0 : StringComparer.OrdinalIgnoreCase.GetHashCode(Domain), Address);

    /// <summary>Value equality.</summary>
    public static bool operator ==(ProxyDestination left, ProxyDestination right) => left.Equals(right);

    /// <summary>Value inequality.</summary>
    public static bool operator !=(ProxyDestination left, ProxyDestination right) => !left.Equals(right);

    /// <summary>
    /// Null when <paramref name="domain"/> can go on the wire as a name, else what is wrong with it.
    /// We accept printable ASCII without spaces (names are sent as given; an internationalised name
    /// must already be in its A-label "xn--" form), 1-255 bytes, labels 1-63 bytes (RFC 1035 §2.3.4).
    /// Underscores are allowed, as real names (_dmarc, SRV owners) use them.
    /// </summary>
    internal static string? ValidateDomain(ReadOnlySpan<char> domain)
    {
        if (domain.Length == 0)
            return "is empty";
        if (domain.Length > MaxDomainLength)
            return $"is {Encoding.UTF8.GetByteCount(domain)} bytes long, longer than {MaxDomainLength}";
        var labelLength = 0;
        foreach (var c in domain)
        {
            if (c == '.')
            {
                if (labelLength == 0)
                    return "has an empty label";
                labelLength = 0;
                continue;
            }
            if (c is <= ' ' or >= (char)0x7f or ':' or '/' or '@' or '[' or ']' or '%' or '\\')
                return c > 0x7f ? "is not ASCII (use its xn-- form)" : $"contains the character {Describe(c)}";
            if (++labelLength > 63)
                return "has a label longer than 63 bytes";
        }
        return null;
    }

    private static string Describe(char c) => c < ' ' || c == 0x7f ? $"0x{(int)c:x2}" : $"'{c}'";

    private static void ThrowIfBadPort(int port)
    {
        if (port is < 0 or > 65535)
            throw new ArgumentOutOfRangeException(nameof(port), port, "a port is 0-65535");
    }
}
