namespace SharpTun.Wire;

/// <summary>ICMP message types (RFC 792).</summary>
public enum IcmpV4Type : byte
{
    EchoReply = 0,
    /// <summary>Codes in <see cref="IcmpV4UnreachableCode"/>; the data is the invoking IP header plus 8 bytes.</summary>
    DestinationUnreachable = 3,
    Redirect = 5,
    EchoRequest = 8,
    /// <summary>Code 0: TTL exceeded in transit; 1: fragment reassembly time exceeded.</summary>
    TimeExceeded = 11,
    ParameterProblem = 12,
}
