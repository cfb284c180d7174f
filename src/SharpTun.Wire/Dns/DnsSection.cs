namespace SharpTun.Wire;

/// <summary>The sections of a DNS message, in wire order (RFC 1035 §4.1).</summary>
public enum DnsSection : byte
{
    Question,
    Answer,
    Authority,
    Additional,

    /// <summary>Past the last record.</summary>
    End,
}
