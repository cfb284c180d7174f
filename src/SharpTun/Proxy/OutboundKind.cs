namespace SharpTun.Proxy;

/// <summary>The kinds of outbound a proxy URL can name.</summary>
public enum OutboundKind
{
    /// <summary><c>direct://</c>: connect to the destination from this host.</summary>
    Direct,

    /// <summary><c>socks5://[user:pass@]host:port</c>: RFC 1928 CONNECT and UDP ASSOCIATE.</summary>
    Socks5,

    /// <summary><c>http://[user:pass@]host:port</c>: HTTP CONNECT tunnel (RFC 9110 §9.3.6).</summary>
    Http,

    /// <summary><c>reject://</c>: refuse every flow.</summary>
    Reject,
}
