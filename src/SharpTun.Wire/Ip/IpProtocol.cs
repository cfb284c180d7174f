namespace SharpTun.Wire;

/// <summary>
/// IP protocol numbers used in the IPv4 Protocol field and the IPv6 Next Header field
/// (IANA "Assigned Internet Protocol Numbers", RFC 8200 §4).
/// </summary>
public enum IpProtocol : byte
{
    /// <summary>IPv6 Hop-by-Hop Options header (RFC 8200 §4.3).</summary>
    HopByHopOptions = 0,
    Icmp = 1,
    Tcp = 6,
    Udp = 17,
    /// <summary>IPv6 Routing header (RFC 8200 §4.4).</summary>
    Routing = 43,
    /// <summary>IPv6 Fragment header (RFC 8200 §4.5).</summary>
    Fragment = 44,
    /// <summary>Encapsulating Security Payload (RFC 4303); its contents are encrypted.</summary>
    EncapsulatingSecurityPayload = 50,
    /// <summary>Authentication Header (RFC 4302).</summary>
    AuthenticationHeader = 51,
    IcmpV6 = 58,
    /// <summary>Nothing follows the header (RFC 8200 §4.7).</summary>
    NoNextHeader = 59,
    /// <summary>IPv6 Destination Options header (RFC 8200 §4.6).</summary>
    DestinationOptions = 60,
}
