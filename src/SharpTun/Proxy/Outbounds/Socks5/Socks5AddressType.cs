namespace SharpTun.Proxy.Outbounds.Socks5;

/// <summary>The ATYP field of SOCKS5 requests, replies and UDP headers (RFC 1928 §4, §5).</summary>
public enum Socks5AddressType : byte
{
    /// <summary>X'01': a 4-byte IPv4 address.</summary>
    IPv4 = 0x01,

    /// <summary>X'03': a length octet, then that many bytes of domain name (no terminating NUL).</summary>
    DomainName = 0x03,

    /// <summary>X'04': a 16-byte IPv6 address.</summary>
    IPv6 = 0x04,
}
