namespace SharpTun.Proxy.Outbounds.Socks5;

/// <summary>The REP field of a SOCKS5 reply (RFC 1928 §6): its meaning and what it becomes as an outbound failure.</summary>
internal static class Socks5Reply
{
    public const byte Succeeded = 0x00;

    /// <summary>The RFC's wording for a reply code, or "unassigned".</summary>
    public static string Describe(byte code) => code switch
    {
        0x00 => "succeeded",
        0x01 => "general SOCKS server failure",
        0x02 => "connection not allowed by ruleset",
        0x03 => "network unreachable",
        0x04 => "host unreachable",
        0x05 => "connection refused",
        0x06 => "TTL expired",
        0x07 => "command not supported",
        0x08 => "address type not supported",
        _ => "unassigned reply code",
    };

    /// <summary>
    /// The outbound failure for a non-zero reply code. X'06' (TTL expired) is what servers such as
    /// dante and Go's SOCKS servers send when their own connect times out, so it reads as a timeout.
    /// X'07' and X'08' mean the server cannot do what we asked: a protocol mismatch, not a network state.
    /// </summary>
    public static OutboundError ToOutboundError(byte code) => code switch
    {
        0x01 => OutboundError.NetworkError,
        0x02 => OutboundError.Rejected,
        0x03 or 0x04 => OutboundError.Unreachable,
        0x05 => OutboundError.Refused,
        0x06 => OutboundError.TimedOut,
        _ => OutboundError.ProxyProtocolError,
    };
}
