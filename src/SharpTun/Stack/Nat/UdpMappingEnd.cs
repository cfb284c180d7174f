namespace SharpTun.Stack.Nat;

/// <summary>Why a UDP mapping ended: the reason a <see cref="UdpNatTable{TAssociation}"/> passes when it ends one, or its association's own failure.</summary>
public enum UdpMappingEnd
{
    /// <summary>No datagram either way for the idle timeout (<see cref="UdpNatTable{TAssociation}.ExpireIdle"/>).</summary>
    IdleTimeout,

    /// <summary>The table was full and this was the least recently used mapping.</summary>
    Evicted,

    /// <summary>Removed on request (<see cref="UdpNatTable{TAssociation}.Remove(NatEndpoint)"/>).</summary>
    Removed,

    /// <summary>The table was disposed, which the proxy does when it stops.</summary>
    Shutdown,

    /// <summary>The association's outbound failed or was closed from the far side; never passed by the table.</summary>
    Failed,
}
