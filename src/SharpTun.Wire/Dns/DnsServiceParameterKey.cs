namespace SharpTun.Wire;

/// <summary>SvcParamKeys of SVCB and HTTPS records (RFC 9460 §14.3.2).</summary>
public enum DnsServiceParameterKey : ushort
{
    Mandatory = 0,

    /// <summary>Application protocols, a list of length-prefixed ids such as "h2" and "h3".</summary>
    Alpn = 1,

    NoDefaultAlpn = 2,

    /// <summary>A 16-bit port.</summary>
    Port = 3,

    /// <summary>IPv4 addresses, 4 bytes each.</summary>
    Ipv4Hint = 4,

    /// <summary>Encrypted ClientHello configuration (RFC 9848).</summary>
    EchConfig = 5,

    /// <summary>IPv6 addresses, 16 bytes each.</summary>
    Ipv6Hint = 6,
}
