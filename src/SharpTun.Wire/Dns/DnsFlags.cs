namespace SharpTun.Wire;

/// <summary>The single-bit flags of the header's second word (RFC 1035 §4.1.1, RFC 4035 §3.2 for AD and CD).</summary>
[Flags]
public enum DnsFlags : ushort
{
    None = 0,

    /// <summary>QR: the message is a response.</summary>
    Response = 0x8000,

    /// <summary>AA: the responding server is an authority for the name.</summary>
    AuthoritativeAnswer = 0x0400,

    /// <summary>TC: the response did not fit and was truncated (RFC 1035 §4.2.1); the client retries over TCP.</summary>
    Truncated = 0x0200,

    /// <summary>RD: the client asks for recursion; copied into the response.</summary>
    RecursionDesired = 0x0100,

    /// <summary>RA: the server offers recursion.</summary>
    RecursionAvailable = 0x0080,

    /// <summary>AD: all answer data was authenticated by DNSSEC (RFC 4035 §3.2.3).</summary>
    AuthenticData = 0x0020,

    /// <summary>CD: the client disables DNSSEC checking (RFC 4035 §3.2.2).</summary>
    CheckingDisabled = 0x0010,
}
