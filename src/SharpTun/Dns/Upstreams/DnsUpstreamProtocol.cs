namespace SharpTun.Dns.Upstreams;

/// <summary>How a DNS upstream is reached.</summary>
public enum DnsUpstreamProtocol
{
    /// <summary>The name servers of /etc/resolv.conf, each over UDP with TCP fallback (<c>system</c>).</summary>
    System,

    /// <summary>UDP, retried over TCP when the answer is truncated (RFC 1035 §4.2.1, RFC 7766): <c>udp://1.1.1.1:53</c> or a bare address.</summary>
    Udp,

    /// <summary>TCP with 2-byte length framing (RFC 1035 §4.2.2, RFC 7766): <c>tcp://1.1.1.1:53</c>.</summary>
    Tcp,

    /// <summary>DNS over TLS (RFC 7858): <c>tls://1.1.1.1:853#cloudflare-dns.com</c>.</summary>
    Tls,

    /// <summary>DNS over HTTPS, POST application/dns-message (RFC 8484): <c>https://1.1.1.1/dns-query</c>.</summary>
    Https,
}
