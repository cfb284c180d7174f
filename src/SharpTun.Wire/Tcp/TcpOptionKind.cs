namespace SharpTun.Wire;

/// <summary>TCP option kinds (RFC 9293 §3.2, RFC 7323, RFC 2018; IANA "TCP Option Kind Numbers").</summary>
public enum TcpOptionKind : byte
{
    /// <summary>End of Option List; the rest of the options area is padding.</summary>
    EndOfOptionList = 0,
    /// <summary>No-Operation, one byte, used to align the next option.</summary>
    NoOperation = 1,
    /// <summary>Maximum Segment Size, length 4 (RFC 9293 §3.7.1).</summary>
    MaximumSegmentSize = 2,
    /// <summary>Window Scale, length 3 (RFC 7323 §2).</summary>
    WindowScale = 3,
    /// <summary>SACK Permitted, length 2 (RFC 2018 §2).</summary>
    SackPermitted = 4,
    /// <summary>SACK blocks, length 2 + 8n (RFC 2018 §3).</summary>
    Sack = 5,
    /// <summary>Timestamps, length 10 (RFC 7323 §3).</summary>
    Timestamps = 8,
}
