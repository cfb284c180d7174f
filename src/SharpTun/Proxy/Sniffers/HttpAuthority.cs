namespace SharpTun.Proxy.Sniffers;

/// <summary>
/// Takes the domain out of an authority, "host[:port]" (RFC 3986 §3.2, as used by Host in RFC 9110
/// §7.2 and by absolute- and authority-form targets in RFC 9112 §3.2). The port is checked and dropped.
/// </summary>
internal static class HttpAuthority
{
    /// <summary>Writes the lowercased domain of <paramref name="authority"/> to <paramref name="hostName"/>.</summary>
    public static SniffResult Parse(ReadOnlySpan<byte> authority, Span<char> hostName)
    {
        if (authority.IsEmpty)
            return SniffResult.NoDomain(SniffProtocol.Http, SniffReason.EmptyHostName);

        // IP-literal = "[" ( IPv6address / IPvFuture ) "]" (RFC 3986 §3.2.2): an address, not a domain.
        if (authority[0] == '[')
        {
            int close = authority.IndexOf((byte)']');
            if (close < 0 || !IsPortSuffix(authority[(close + 1)..]))
                return SniffResult.Malformed(SniffProtocol.Http, close < 0 ? SniffReason.InvalidHostName : SniffReason.InvalidPort);
            return SniffResult.NoDomain(SniffProtocol.Http, SniffReason.IpLiteralHostName);
        }

        int colon = authority.IndexOf((byte)':');
        var host = colon < 0 ? authority : authority[..colon];
        if (colon >= 0 && !IsPortSuffix(authority[colon..]))
            return SniffResult.Malformed(SniffProtocol.Http, SniffReason.InvalidPort);
        if (host.Length > 1 && host[^1] == '.')
            host = host[..^1]; // "example.com." is the same name, fully qualified.

        var reason = HostNameRules.CheckAndCopyLowercase(host, hostName, out int length);
        return reason switch
        {
            SniffReason.None => SniffResult.Found(SniffProtocol.Http, length),
            SniffReason.EmptyHostName or SniffReason.IpLiteralHostName => SniffResult.NoDomain(SniffProtocol.Http, reason),
            _ => SniffResult.Malformed(SniffProtocol.Http, reason),
        };
    }

    // Nothing, or ":" *DIGIT (RFC 3986 §3.2.3: the port may be empty).
    private static bool IsPortSuffix(ReadOnlySpan<byte> suffix) =>
        suffix.IsEmpty || (suffix[0] == ':' && !suffix[1..].ContainsAnyExceptInRange((byte)'0', (byte)'9'));
}
