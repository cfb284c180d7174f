namespace SharpTun.Proxy.Outbounds;

/// <summary>Why an outbound could not connect. Expected network failures are values of this enum, not exceptions.</summary>
public enum OutboundError
{
    /// <summary>No error: the connection is established.</summary>
    None,

    /// <summary>The destination (or the proxy server) actively refused the connection.</summary>
    Refused,

    /// <summary>No route to the destination, the name does not resolve, or the proxy reports it unreachable.</summary>
    Unreachable,

    /// <summary>The connect timeout passed before the connection (and proxy handshake) completed.</summary>
    TimedOut,

    /// <summary>The proxy rejected our credentials, or needs credentials we do not have.</summary>
    AuthenticationFailed,

    /// <summary>The proxy answered something that breaks its protocol (wrong version, truncated, unknown fields).</summary>
    ProxyProtocolError,

    /// <summary>Policy refused the flow: the reject outbound, or the proxy's rules.</summary>
    Rejected,

    /// <summary>Any other socket failure (reset during the handshake, permission denied on a socket option...).</summary>
    NetworkError,
}
