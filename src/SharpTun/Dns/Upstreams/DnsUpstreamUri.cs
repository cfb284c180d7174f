using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using SharpTun.Proxy;

namespace SharpTun.Dns.Upstreams;

/// <summary>
/// Parses DNS upstream URLs, the forms mihomo and sing-box users write:
/// <list type="bullet">
/// <item><c>system</c>: the name servers of /etc/resolv.conf.</item>
/// <item><c>1.1.1.1</c>, <c>1.1.1.1:5353</c>, <c>2001:db8::1</c>, <c>[2001:db8::1]:53</c>, <c>udp://1.1.1.1</c>: UDP, port 53.</item>
/// <item><c>tcp://1.1.1.1</c>, <c>tcp://dns.example:53</c>: TCP, port 53.</item>
/// <item><c>tls://1.1.1.1</c>, <c>tls://1.1.1.1:853#cloudflare-dns.com</c>, <c>tls://8.8.8.8?sni=dns.google</c>: DoT, port 853.</item>
/// <item><c>https://1.1.1.1/dns-query</c>, <c>https://1.1.1.1/dns-query#cloudflare-dns.com</c>, <c>https://dns.google</c>: DoH, port 443, path /dns-query when none is given.</item>
/// </list>
/// </summary>
/// <remarks>
/// A server given by name (<c>tls://dns.google</c>) is connected by name through the outbound.
/// With the direct outbound that name is resolved by <see cref="Proxy.Outbounds.OutboundOptions.DomainResolver"/>,
/// which must not be the resolver this upstream serves (it would ask itself): write the address
/// and put the name after '#' or in <c>?sni=</c> (<c>tls://8.8.8.8#dns.google</c>), so TLS still
/// checks the certificate for the name. UDP upstreams take addresses only: a UDP socket has no
/// outbound to resolve through.
/// </remarks>
public static class DnsUpstreamUri
{
    /// <summary>Parses <paramref name="text"/>; throws <see cref="FormatException"/> saying what is wrong.</summary>
    public static DnsUpstreamConfiguration Parse(string text) =>
        TryParse(text, out var configuration, out var error) ? configuration : throw new FormatException(error);

    /// <summary>Parses <paramref name="text"/>; on failure <paramref name="error"/> says what is wrong and how to write it.</summary>
    public static bool TryParse(string text, [NotNullWhen(true)] out DnsUpstreamConfiguration? configuration, [NotNullWhen(false)] out string? error)
    {
        ArgumentNullException.ThrowIfNull(text);
        configuration = null;
        var what = $"dns upstream '{text}'";
        var trimmed = text.Trim();
        if (trimmed.Length == 0)
        {
            error = "dns upstream '' is empty (expected system, an address such as 1.1.1.1, or udp://, tcp://, tls:// or https:// URLs)";
            return false;
        }
        if (trimmed.Equals("system", StringComparison.OrdinalIgnoreCase))
        {
            configuration = new DnsUpstreamConfiguration { Protocol = DnsUpstreamProtocol.System };
            error = null;
            return true;
        }

        var schemeEnd = trimmed.IndexOf("://", StringComparison.Ordinal);
        var scheme = schemeEnd < 0 ? "udp" : trimmed[..schemeEnd].ToLowerInvariant();
        var rest = schemeEnd < 0 ? trimmed : trimmed[(schemeEnd + 3)..];
        DnsUpstreamProtocol protocol;
        int defaultPort;
        switch (scheme)
        {
            case "udp":
                (protocol, defaultPort) = (DnsUpstreamProtocol.Udp, DnsUpstreamConfiguration.DnsPort);
                break;
            case "tcp":
                (protocol, defaultPort) = (DnsUpstreamProtocol.Tcp, DnsUpstreamConfiguration.DnsPort);
                break;
            case "tls":
                (protocol, defaultPort) = (DnsUpstreamProtocol.Tls, DnsUpstreamConfiguration.TlsPort);
                break;
            case "https":
                (protocol, defaultPort) = (DnsUpstreamProtocol.Https, DnsUpstreamConfiguration.HttpsPort);
                break;
            case "quic":
            case "h3":
                error = $"{what} uses DNS over QUIC/HTTP3, which SharpTun does not support; use tls:// or https:// instead";
                return false;
            case "sdns":
                error = $"{what} is a DNS stamp, which SharpTun does not read; write the server as tls://address#name or https://address/path#name";
                return false;
            default:
                error = $"{what} has the unsupported scheme '{scheme}' (expected udp, tcp, tls or https, or 'system')";
                return false;
        }

        // The TLS name: '#name' or '?sni=name' (TLS and HTTPS only).
        string? tlsName = null;
        var hash = rest.IndexOf('#');
        if (hash >= 0)
        {
            tlsName = rest[(hash + 1)..];
            rest = rest[..hash];
            if (tlsName.Length == 0)
            {
                error = $"{what} has an empty name after '#' (write #name for the TLS server name, or leave the '#' out)";
                return false;
            }
        }
        string query = "";
        var question = rest.IndexOf('?');
        if (question >= 0)
        {
            query = rest[(question + 1)..];
            rest = rest[..question];
        }
        string path = "";
        var slash = rest.IndexOf('/');
        if (slash >= 0)
        {
            path = rest[slash..];
            rest = rest[..slash];
        }
        if (!TryTakeSni(what, ref query, ref tlsName, out error))
            return false;

        if (protocol is DnsUpstreamProtocol.Udp or DnsUpstreamProtocol.Tcp)
        {
            if (tlsName is not null)
            {
                error = $"{what} names a TLS server, but {scheme} has no TLS (use tls:// or https://)";
                return false;
            }
            if (path is not ("" or "/") || query.Length != 0)
            {
                error = $"{what} has a path or query; {scheme} upstreams are only {scheme}://host[:port]";
                return false;
            }
        }
        else if (protocol == DnsUpstreamProtocol.Tls && (path is not ("" or "/") || query.Length != 0))
        {
            error = $"{what} has a path or query; DNS over TLS is tls://host[:port], with the TLS name as #name or ?sni=name";
            return false;
        }

        if (!TryParseHostAndPort(what, rest, defaultPort, out var server, out error))
            return false;
        if (protocol == DnsUpstreamProtocol.Udp && server.IsDomain)
        {
            error = $"{what} names its server by name; a UDP upstream needs an IP address (resolving the name would need DNS first)";
            return false;
        }
        if (tlsName is not null && !IsDomainName(tlsName))
        {
            error = $"{what} has the TLS server name '{tlsName}', which is not a domain name";
            return false;
        }

        var httpsPath = DnsUpstreamConfiguration.DefaultHttpsPath;
        if (protocol == DnsUpstreamProtocol.Https)
        {
            if (path is not ("" or "/"))
                httpsPath = path;
            if (query.Length != 0)
                httpsPath += "?" + query;
            if (!Uri.TryCreate("https://h" + httpsPath, UriKind.Absolute, out _))
            {
                error = $"{what} has the path '{httpsPath}', which is not a valid URL path";
                return false;
            }
        }
        configuration = new DnsUpstreamConfiguration
        {
            Protocol = protocol,
            Server = server,
            TlsServerName = tlsName,
            HttpsPath = httpsPath,
        };
        error = null;
        return true;
    }

    // Moves "sni=name" out of the query into the TLS name; other query parameters stay.
    private static bool TryTakeSni(string what, ref string query, ref string? tlsName, [NotNullWhen(false)] out string? error)
    {
        error = null;
        if (query.Length == 0)
            return true;
        var kept = new List<string>();
        foreach (var parameter in query.Split('&'))
        {
            if (!parameter.StartsWith("sni=", StringComparison.OrdinalIgnoreCase))
            {
                kept.Add(parameter);
                continue;
            }
            var name = parameter[4..];
            if (name.Length == 0)
            {
                error = $"{what} has an empty sni= parameter";
                return false;
            }
            if (tlsName is not null && !tlsName.Equals(name, StringComparison.OrdinalIgnoreCase))
            {
                error = $"{what} names two TLS servers, '{tlsName}' and '{name}'; give one, as #name or ?sni=name";
                return false;
            }
            tlsName = name;
        }
        query = string.Join('&', kept);
        return true;
    }

    private static bool TryParseHostAndPort(string what, string authority, int defaultPort, out ProxyDestination server, [NotNullWhen(false)] out string? error)
    {
        server = default;
        if (authority.Contains('@'))
        {
            error = $"{what} has a user name or password; DNS upstreams take none";
            return false;
        }
        string host;
        string? portText = null;
        if (authority.StartsWith('['))
        {
            var close = authority.IndexOf(']');
            if (close < 0)
            {
                error = $"{what} has an IPv6 address without its closing ']'";
                return false;
            }
            host = authority[1..close];
            if (!IPAddress.TryParse(host, out var v6) || v6.AddressFamily != AddressFamily.InterNetworkV6 || host.Contains('%'))
            {
                error = $"{what} has '[{host}]', which is not an IPv6 address";
                return false;
            }
            var after = authority[(close + 1)..];
            if (after.Length != 0)
            {
                if (after[0] != ':')
                {
                    error = $"{what} has '{after}' after the IPv6 address where ':port' belongs";
                    return false;
                }
                portText = after[1..];
            }
        }
        else if (authority.Count(c => c == ':') > 1)
        {
            // A bare IPv6 address; with a port it needs brackets.
            if (!IPAddress.TryParse(authority, out var v6) || authority.Contains('%'))
            {
                error = $"{what} has '{authority}', which is not an IPv6 address (write an address with a port as [2001:db8::1]:53)";
                return false;
            }
            host = authority;
        }
        else
        {
            var colon = authority.IndexOf(':');
            host = colon < 0 ? authority : authority[..colon];
            if (colon >= 0)
                portText = authority[(colon + 1)..];
        }
        if (host.Length == 0)
        {
            error = $"{what} has no host";
            return false;
        }
        var port = defaultPort;
        if (portText is not null
            && (portText.Length is 0 or > 5 || !int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out port) || port is < 1 or > 65535))
        {
            error = $"{what} has the port '{portText}', which is not a number 1-65535 (leave it out for the default {defaultPort})";
            return false;
        }
        if (!ProxyDestination.TryCreate(host, port, out server, out var problem))
        {
            error = $"{what}: {problem}";
            return false;
        }
        error = null;
        return true;
    }

    /// <summary>A host name as certificates carry it (RFC 1123 §2.1): letters, digits and '-' in labels of 1-63, 253 characters at most, not an address.</summary>
    private static bool IsDomainName(string name)
    {
        if (name.Length is 0 or > 253 || IPAddress.TryParse(name, out _))
            return false;
        foreach (var label in name.TrimEnd('.').Split('.'))
        {
            if (label.Length is 0 or > 63 || label[0] == '-' || label[^1] == '-')
                return false;
            foreach (var c in label)
            {
                if (!char.IsAsciiLetterOrDigit(c) && c != '-')
                    return false;
            }
        }
        return true;
    }
}
