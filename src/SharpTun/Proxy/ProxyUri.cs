using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text;

namespace SharpTun.Proxy;

/// <summary>
/// Parses the proxy URLs the CLI accepts: <c>direct://</c>, <c>reject://</c>,
/// <c>socks5://[user[:pass]@]host:port</c> and <c>http://[user[:pass]@]host:port</c>. The host is a
/// domain name, an IPv4 literal or a bracketed IPv6 literal (<c>[::1]:1080</c>, RFC 3986 §3.2.2).
/// User name and password are percent-decoded as UTF-8 (RFC 3986 §2.1), so "p%40ss" is "p@ss".
/// A single trailing "/" is allowed; any other path, query or fragment is an error.
/// </summary>
public static class ProxyUri
{
    /// <summary>Longest SOCKS5 user name or password in bytes: the length is one octet (RFC 1929 §2).</summary>
    public const int MaxSocks5CredentialLength = 255;

    /// <summary>Parses <paramref name="text"/>; throws <see cref="FormatException"/> saying what is wrong.</summary>
    public static OutboundConfiguration Parse(string text) =>
        TryParse(text, out var configuration, out var error) ? configuration : throw new FormatException(error);

    /// <summary>Parses <paramref name="text"/>; on failure <paramref name="error"/> says what is wrong.</summary>
    public static bool TryParse(string text, [NotNullWhen(true)] out OutboundConfiguration? configuration, [NotNullWhen(false)] out string? error)
    {
        ArgumentNullException.ThrowIfNull(text);
        configuration = null;
        var schemeEnd = text.IndexOf("://", StringComparison.Ordinal);
        if (schemeEnd < 0)
        {
            error = $"proxy URL '{text}' has no scheme (expected direct://, socks5://host:port, http://host:port or reject://)";
            return false;
        }
        var scheme = text[..schemeEnd].ToLowerInvariant();
        var rest = text[(schemeEnd + 3)..];
        if (rest.EndsWith('/'))
            rest = rest[..^1];
        switch (scheme)
        {
            case "direct":
            case "reject":
                if (rest.Length != 0)
                {
                    error = $"{scheme} proxy URL '{text}' takes no host, credentials or path";
                    return false;
                }
                configuration = new OutboundConfiguration(scheme == "direct" ? OutboundKind.Direct : OutboundKind.Reject, null, null);
                error = null;
                return true;
            case "socks5":
            case "http":
                return TryParseServer(text, scheme, rest, out configuration, out error);
            default:
                error = $"proxy URL '{text}' has the unsupported scheme '{scheme}' (expected direct, socks5, http or reject)";
                return false;
        }
    }

    private static bool TryParseServer(string text, string scheme, string rest, [NotNullWhen(true)] out OutboundConfiguration? configuration, [NotNullWhen(false)] out string? error)
    {
        configuration = null;
        var what = $"{scheme} proxy URL '{text}'";
        if (rest.IndexOfAny(['/', '?', '#']) >= 0)
        {
            error = $"{what} has a path, query or fragment; only [user:pass@]host:port is allowed";
            return false;
        }

        ProxyCredentials? credentials = null;
        var at = rest.LastIndexOf('@');
        if (at >= 0)
        {
            if (!TryParseCredentials(what, scheme, rest[..at], out credentials, out error))
                return false;
            rest = rest[(at + 1)..];
        }

        string host;
        string portText;
        if (rest.StartsWith('['))
        {
            var close = rest.IndexOf(']');
            if (close < 0)
            {
                error = $"{what} has an IPv6 address without its closing ']'";
                return false;
            }
            host = rest[1..close];
            if (!System.Net.IPAddress.TryParse(host, out var v6) || v6.AddressFamily != System.Net.Sockets.AddressFamily.InterNetworkV6 || host.Contains('%'))
            {
                error = $"{what} has '[{host}]', which is not an IPv6 address";
                return false;
            }
            var afterBracket = rest[(close + 1)..];
            if (afterBracket.Length == 0)
            {
                error = $"{what} has no port";
                return false;
            }
            if (afterBracket[0] != ':')
            {
                error = $"{what} has '{afterBracket}' after the IPv6 address where ':port' belongs";
                return false;
            }
            portText = afterBracket[1..];
        }
        else
        {
            var colon = rest.LastIndexOf(':');
            if (colon < 0)
            {
                error = rest.Length == 0 ? $"{what} has no host" : $"{what} has no port";
                return false;
            }
            host = rest[..colon];
            portText = rest[(colon + 1)..];
            if (host.Contains(':'))
            {
                error = $"{what} has an IPv6 address without brackets (write [{host}]:{portText})";
                return false;
            }
        }
        if (host.Length == 0)
        {
            error = $"{what} has no host";
            return false;
        }
        if (portText.Length == 0)
        {
            error = $"{what} has no port";
            return false;
        }
        if (portText.Length > 5 || !int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535)
        {
            error = $"{what} has the port '{portText}', which is not a number 1-65535";
            return false;
        }
        if (!ProxyDestination.TryCreate(host, port, out var server, out var problem))
        {
            error = $"{what}: {problem}";
            return false;
        }
        configuration = new OutboundConfiguration(scheme == "socks5" ? OutboundKind.Socks5 : OutboundKind.Http, server, credentials);
        error = null;
        return true;
    }

    private static bool TryParseCredentials(string what, string scheme, string userInfo, [NotNullWhen(true)] out ProxyCredentials? credentials, [NotNullWhen(false)] out string? error)
    {
        credentials = null;
        var colon = userInfo.IndexOf(':');
        var encodedUser = colon < 0 ? userInfo : userInfo[..colon];
        var encodedPassword = colon < 0 ? "" : userInfo[(colon + 1)..];
        if (encodedUser.Length == 0)
        {
            error = $"{what} has credentials with an empty user name";
            return false;
        }
        if (!TryPercentDecode(encodedUser, out var user, out var problem))
        {
            error = $"{what} has a user name with {problem}";
            return false;
        }
        if (!TryPercentDecode(encodedPassword, out var password, out problem))
        {
            error = $"{what} has a password with {problem}";
            return false;
        }
        if (scheme == "socks5")
        {
            // RFC 1929 §2: ULEN and PLEN are one octet each, and a zero length is not allowed.
            if (Encoding.UTF8.GetByteCount(user) > MaxSocks5CredentialLength || Encoding.UTF8.GetByteCount(password) > MaxSocks5CredentialLength)
            {
                error = $"{what} has a user name or password longer than {MaxSocks5CredentialLength} bytes (RFC 1929)";
                return false;
            }
            if (password.Length == 0)
            {
                error = $"{what} has a user name but no password (RFC 1929 needs both)";
                return false;
            }
        }
        credentials = new ProxyCredentials(user, password);
        error = null;
        return true;
    }

    /// <summary>Decodes %XX escapes (RFC 3986 §2.1) into UTF-8; a '%' not followed by two hex digits is an error.</summary>
    private static bool TryPercentDecode(string encoded, [NotNullWhen(true)] out string? decoded, [NotNullWhen(false)] out string? problem)
    {
        if (!encoded.Contains('%'))
        {
            decoded = encoded;
            problem = null;
            return true;
        }
        // '%' and hex digits are ASCII, so escapes can be decoded over the UTF-8 bytes of the text.
        var input = Encoding.UTF8.GetBytes(encoded);
        var bytes = new byte[input.Length];
        var count = 0;
        for (var i = 0; i < input.Length; i++)
        {
            if (input[i] != (byte)'%')
            {
                bytes[count++] = input[i];
                continue;
            }
            if (i + 2 >= input.Length || !byte.TryParse(input.AsSpan(i + 1, 2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var b))
            {
                decoded = null;
                problem = $"a bad percent escape at byte {i} (expected %XX with two hex digits)";
                return false;
            }
            bytes[count++] = b;
            i += 2;
        }
        try
        {
            decoded = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes, 0, count);
        }
        catch (DecoderFallbackException)
        {
            decoded = null;
            problem = "percent escapes that are not valid UTF-8";
            return false;
        }
        problem = null;
        return true;
    }
}
