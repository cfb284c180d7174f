namespace SharpTun.Stack.Nat;

/// <summary>The life of a <see cref="TcpNatSession"/>.</summary>
public enum TcpNatSessionState
{
    /// <summary>Created by the app's SYN; the caller has not yet admitted or refused it.</summary>
    AwaitingDecision,

    /// <summary>Admitted: packets are translated both ways.</summary>
    Open,

    /// <summary>Both FINs or an RST were seen; still translated until the grace period ends.</summary>
    Closing,

    /// <summary>Removed from the table; its virtual endpoint was released.</summary>
    Closed,
}
