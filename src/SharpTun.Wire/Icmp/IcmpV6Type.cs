namespace SharpTun.Wire;

/// <summary>ICMPv6 message types (RFC 4443 §2.1; Neighbor Discovery, RFC 4861 §4).</summary>
public enum IcmpV6Type : byte
{
    /// <summary>RFC 4443 §3.1; the data is as much of the invoking packet as fits in the minimum MTU.</summary>
    DestinationUnreachable = 1,
    /// <summary>RFC 4443 §3.2; bytes 4-7 hold the MTU of the next hop.</summary>
    PacketTooBig = 2,
    /// <summary>RFC 4443 §3.3; code 0: hop limit exceeded, 1: reassembly time exceeded.</summary>
    TimeExceeded = 3,
    /// <summary>RFC 4443 §3.4; bytes 4-7 point at the offending octet.</summary>
    ParameterProblem = 4,
    EchoRequest = 128,
    EchoReply = 129,
    RouterSolicitation = 133,
    RouterAdvertisement = 134,
    NeighborSolicitation = 135,
    NeighborAdvertisement = 136,
}
