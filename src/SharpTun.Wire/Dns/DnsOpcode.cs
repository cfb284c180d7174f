namespace SharpTun.Wire;

/// <summary>The kind of query, bits 1-4 of the header's second word (RFC 1035 §4.1.1).</summary>
public enum DnsOpcode : byte
{
    Query = 0,

    /// <summary>Inverse query, obsolete (RFC 3425).</summary>
    InverseQuery = 1,

    Status = 2,

    /// <summary>Zone change notification (RFC 1996).</summary>
    Notify = 4,

    /// <summary>Dynamic update (RFC 2136).</summary>
    Update = 5,
}
