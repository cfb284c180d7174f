using System.Buffers;
using System.Text;

namespace SharpTun.Proxy.Sniffers;

/// <summary>
/// Finds the domain an HTTP/1.x request is for (RFC 9112): the authority of an absolute-form or
/// CONNECT target when there is one, which RFC 9112 §3.2.2 says overrides Host, else the Host field
/// (RFC 9110 §7.2), matched case-insensitively. Waits for the whole header section (up to
/// <see cref="MaxHeaderSectionLength"/> bytes), so that a second Host or a folded Host is caught; every
/// proper prefix of a valid request gives <see cref="SniffStatus.NeedMore"/>.
/// </summary>
public static class HttpHostSniffer
{
    /// <summary>Most bytes read looking for the end of the header section, request line included.</summary>
    public const int MaxHeaderSectionLength = 16 * 1024;

    // tchar (RFC 9110 §5.6.2): what a field name is made of.
    private static readonly SearchValues<byte> TokenCharacters =
        SearchValues.Create("!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"u8);

    /// <summary>
    /// Sniffs <paramref name="input"/>, the first bytes of a flow. On <see cref="SniffStatus.Found"/>
    /// the lowercased domain is in <paramref name="hostName"/>, which must hold
    /// <see cref="HostNameRules.MaxLength"/> characters.
    /// </summary>
    public static SniffResult Sniff(ReadOnlySpan<byte> input, Span<char> hostName)
    {
        HostNameRules.ThrowIfTooSmall(hostName);
        switch (HttpMethodMatcher.MatchMethod(input, out int methodLength))
        {
            case HttpMethodMatcher.Match.None:
                return SniffResult.NotThisProtocol;
            case HttpMethodMatcher.Match.Prefix:
                return SniffResult.NeedMore(SniffProtocol.Http);
        }

        var window = input.Length > MaxHeaderSectionLength ? input[..MaxHeaderSectionLength] : input;
        if (!TryReadLine(window, 0, out var requestLine, out int offset))
            return Incomplete(input);
        if (!TryReadTargetAuthority(requestLine, methodLength, out var targetAuthority, out bool hasTargetAuthority))
            return Malformed(SniffReason.RequestLine);

        bool hasHost = false;
        bool previousWasHost = false;
        ReadOnlySpan<byte> host = default;
        while (true)
        {
            if (!TryReadLine(window, offset, out var line, out offset))
                return Incomplete(input);
            if (line.IsEmpty)
                break;
            if (line[0] is (byte)' ' or (byte)'\t')
            {
                // obs-fold (RFC 9112 §5.2): a recipient must reject it or replace it with a space. For
                // another field, replacing changes nothing that matters here; a folded Host is rejected.
                // Right after the request line there is no field to continue, and RFC 9112 §2.2 allows
                // consuming such a line without further processing.
                if (previousWasHost)
                    return Malformed(SniffReason.FoldedHost);
                continue;
            }
            int colon = line.IndexOf((byte)':');
            // RFC 9112 §5.1: no whitespace is allowed between the field name and the colon.
            if (colon <= 0 || line[..colon].ContainsAnyExcept(TokenCharacters))
                return Malformed(SniffReason.HeaderLine);
            previousWasHost = Ascii.EqualsIgnoreCase(line[..colon], "Host"u8);
            if (!previousWasHost)
                continue;
            // RFC 9112 §3.2: a request with more than one Host field must be rejected.
            if (hasHost)
                return Malformed(SniffReason.DuplicateHost);
            hasHost = true;
            host = line[(colon + 1)..].Trim(" \t"u8);
        }

        if (hasTargetAuthority)
            return HttpAuthority.Parse(targetAuthority, hostName);
        return hasHost ? HttpAuthority.Parse(host, hostName) : SniffResult.NoDomain(SniffProtocol.Http, SniffReason.NoHost);
    }

    // request-line = method SP request-target SP HTTP-version (RFC 9112 §3). The authority, if any, of
    // an authority-form (CONNECT, §3.2.3) or absolute-form (§3.2.2) target.
    private static bool TryReadTargetAuthority(ReadOnlySpan<byte> requestLine, int methodLength, out ReadOnlySpan<byte> authority, out bool hasAuthority)
    {
        authority = default;
        hasAuthority = false;
        var rest = requestLine[(methodLength + 1)..];
        int space = rest.IndexOf((byte)' ');
        if (space <= 0 || !IsHttp1Version(rest[(space + 1)..]))
            return false;
        var target = rest[..space];
        if (requestLine.StartsWith("CONNECT"u8))
        {
            authority = target;
            hasAuthority = true;
            return true;
        }
        int schemeEnd = target.IndexOf("://"u8);
        if (schemeEnd < 0)
            return true; // origin-form "/path" or asterisk-form "*": the authority is in Host.
        var scheme = target[..schemeEnd];
        if (!Ascii.EqualsIgnoreCase(scheme, "http"u8) && !Ascii.EqualsIgnoreCase(scheme, "https"u8))
            return false;
        authority = target[(schemeEnd + 3)..];
        int pathStart = authority.IndexOfAny("/?#"u8);
        if (pathStart >= 0)
            authority = authority[..pathStart];
        // userinfo "@" (RFC 9110 §4.2.4: deprecated, but it is not part of the host).
        authority = authority[(authority.LastIndexOf((byte)'@') + 1)..];
        hasAuthority = true;
        return true;
    }

    // HTTP-version = "HTTP/" DIGIT "." DIGIT (RFC 9112 §2.3), major version 1.
    private static bool IsHttp1Version(ReadOnlySpan<byte> version) =>
        version.Length == 8 && version.StartsWith("HTTP/1."u8) && char.IsAsciiDigit((char)version[7]);

    // A line ends at LF; a CR before it is dropped (RFC 9112 §2.2 lets a recipient accept a bare LF).
    private static bool TryReadLine(ReadOnlySpan<byte> window, int start, out ReadOnlySpan<byte> line, out int next)
    {
        int end = window[start..].IndexOf((byte)'\n');
        if (end < 0)
        {
            line = default;
            next = start;
            return false;
        }
        line = window.Slice(start, end);
        if (!line.IsEmpty && line[^1] == '\r')
            line = line[..^1];
        next = start + end + 1;
        return true;
    }

    private static SniffResult Incomplete(ReadOnlySpan<byte> input) =>
        input.Length >= MaxHeaderSectionLength ? Malformed(SniffReason.HeaderSectionTooLong) : SniffResult.NeedMore(SniffProtocol.Http);

    private static SniffResult Malformed(SniffReason reason) => SniffResult.Malformed(SniffProtocol.Http, reason);
}
