namespace SharpTun.Wire;

/// <summary>Codes of ICMP Destination Unreachable (RFC 792; RFC 1191 for 4, RFC 1812 §5.2.7.1 for 13).</summary>
public enum IcmpV4UnreachableCode : byte
{
    NetUnreachable = 0,
    HostUnreachable = 1,
    ProtocolUnreachable = 2,
    PortUnreachable = 3,
    /// <summary>Fragmentation needed and DF set; the next-hop MTU is in bytes 6-7 (RFC 1191 §4).</summary>
    FragmentationNeeded = 4,
    AdministrativelyProhibited = 13,
}
