namespace SharpTun.Wire;

/// <summary>
/// RCODE (RFC 1035 §4.1.1). Values above 15 exist only as extended RCODEs, whose upper 8 bits travel
/// in the OPT record (RFC 6891 §6.1.3).
/// </summary>
public enum DnsResponseCode : ushort
{
    NoError = 0,

    /// <summary>FORMERR: the server could not interpret the query.</summary>
    FormatError = 1,

    /// <summary>SERVFAIL.</summary>
    ServerFailure = 2,

    /// <summary>NXDOMAIN: the name does not exist.</summary>
    NameError = 3,

    NotImplemented = 4,

    Refused = 5,

    /// <summary>BADVERS: the EDNS version is not supported (RFC 6891 §6.1.3); needs an OPT record.</summary>
    BadVersion = 16,
}
