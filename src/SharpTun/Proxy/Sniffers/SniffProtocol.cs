namespace SharpTun.Proxy.Sniffers;

/// <summary>The protocol a sniffer recognised in the first bytes of a flow.</summary>
public enum SniffProtocol
{
    /// <summary>Not recognised, or not yet.</summary>
    None,

    /// <summary>A TLS ClientHello (RFC 8446 §4.1.2).</summary>
    Tls,

    /// <summary>An HTTP/1.x request (RFC 9112 §3).</summary>
    Http,
}
