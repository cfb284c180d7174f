namespace SharpTun.Wire;

/// <summary>The TYPE of a question or resource record (IANA "Resource Record (RR) TYPEs"); other values pass through unnamed.</summary>
public enum DnsRecordType : ushort
{
    /// <summary>IPv4 address (RFC 1035 §3.4.1).</summary>
    A = 1,

    /// <summary>Authoritative name server (RFC 1035 §3.3.11).</summary>
    Ns = 2,

    /// <summary>Canonical name (RFC 1035 §3.3.1).</summary>
    Cname = 5,

    /// <summary>Start of authority (RFC 1035 §3.3.13).</summary>
    Soa = 6,

    /// <summary>Domain name pointer (RFC 1035 §3.3.12).</summary>
    Ptr = 12,

    /// <summary>Mail exchange (RFC 1035 §3.3.9).</summary>
    Mx = 15,

    /// <summary>Text strings (RFC 1035 §3.3.14).</summary>
    Txt = 16,

    /// <summary>IPv6 address (RFC 3596 §2.1).</summary>
    Aaaa = 28,

    /// <summary>EDNS(0) pseudo-record (RFC 6891 §6.1.2).</summary>
    Opt = 41,

    /// <summary>General service binding (RFC 9460 §2).</summary>
    Svcb = 64,

    /// <summary>Service binding for HTTPS (RFC 9460 §9).</summary>
    Https = 65,

    /// <summary>A question for all records (RFC 1035 §3.2.3 QTYPE *; RFC 8482 lets servers answer minimally).</summary>
    Any = 255,
}
