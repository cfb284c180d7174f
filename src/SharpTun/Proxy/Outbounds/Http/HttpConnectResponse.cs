using System.Text;

namespace SharpTun.Proxy.Outbounds.Http;

/// <summary>
/// The parsed head of a response to CONNECT: status code and status line, or a problem naming what
/// is malformed. Header fields are checked for shape (RFC 9112 §5: "name: value", no obsolete line
/// folding) but not kept: a tunnel needs none of them.
/// </summary>
internal readonly record struct HttpConnectResponse(int StatusCode, string StatusLine, string? Problem)
{
    /// <summary>Parses a complete head ending in CRLF CRLF.</summary>
    public static HttpConnectResponse Parse(ReadOnlySpan<byte> head)
    {
        var lineEnd = head.IndexOf("\r\n"u8);
        var statusLine = head[..lineEnd];
        // RFC 9112 §4: HTTP-version SP 3DIGIT SP [reason-phrase]. Some proxies omit the last SP.
        if (statusLine.Length < 12 || !statusLine.StartsWith("HTTP/1."u8) || !char.IsAsciiDigit((char)statusLine[7]) || statusLine[8] != (byte)' '
            || !char.IsAsciiDigit((char)statusLine[9]) || !char.IsAsciiDigit((char)statusLine[10]) || !char.IsAsciiDigit((char)statusLine[11])
            || (statusLine.Length > 12 && statusLine[12] != (byte)' '))
            return new(0, "", $"answered with a malformed status line '{Printable(statusLine)}'");
        var status = (statusLine[9] - '0') * 100 + (statusLine[10] - '0') * 10 + (statusLine[11] - '0');

        var rest = head[(lineEnd + 2)..];
        while (true)
        {
            var end = rest.IndexOf("\r\n"u8);
            var line = rest[..end];
            if (line.IsEmpty)
                break;
            if (line[0] is (byte)' ' or (byte)'\t')
                return new(status, "", $"sent a folded header line '{Printable(line)}' (obsolete, RFC 9112 §5.2)");
            var colon = line.IndexOf((byte)':');
            if (colon <= 0 || line[..colon].IndexOfAny((byte)' ', (byte)'\t') >= 0)
                return new(status, "", $"sent a malformed header line '{Printable(line)}'");
            rest = rest[(end + 2)..];
        }
        return new(status, Printable(statusLine), null);
    }

    /// <summary>At most 100 characters of <paramref name="bytes"/>, control and non-ASCII bytes shown as '?'.</summary>
    private static string Printable(ReadOnlySpan<byte> bytes)
    {
        var shown = bytes[..Math.Min(bytes.Length, 100)];
        var builder = new StringBuilder(shown.Length + 3);
        foreach (var b in shown)
            builder.Append(b is >= 0x20 and < 0x7f ? (char)b : '?');
        if (bytes.Length > shown.Length)
            builder.Append("...");
        return builder.ToString();
    }
}
