namespace SharpTun.Wire;

/// <summary>The CLASS of a question or record (RFC 1035 §3.2.4); OPT records reuse the field for a payload size.</summary>
public enum DnsClass : ushort
{
    /// <summary>The Internet.</summary>
    Internet = 1,

    /// <summary>Chaos, used for server identification (version.bind).</summary>
    Chaos = 3,

    /// <summary>Any class (QCLASS *, RFC 1035 §3.2.5).</summary>
    Any = 255,
}
