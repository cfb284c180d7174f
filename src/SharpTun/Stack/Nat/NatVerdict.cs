namespace SharpTun.Stack.Nat;

/// <summary>
/// What <see cref="TcpNatRewriter.Rewrite"/> decided about a TCP packet read from the TUN, and so
/// what the reader loop does with it. Only <see cref="Forward"/> changes the packet.
/// </summary>
public enum NatVerdict
{
    /// <summary>Not for the TCP NAT (malformed, a fragment, another protocol, a family without a pool, an RST for no session): drop it.</summary>
    Drop,

    /// <summary>Rewritten in place with valid checksums: write it back to the TUN.</summary>
    Forward,

    /// <summary>
    /// A SYN opened a session that awaits the caller's decision; the packet is untouched. Decide
    /// (rules, outbound) and call <see cref="TcpNatTable.Admit"/> then <see cref="TcpNatRewriter.Rewrite"/>
    /// again (which forwards it), or <see cref="TcpNatTable.Refuse"/> and answer with
    /// <see cref="TcpResetBuilder.TryBuild"/> or an ICMP unreachable.
    /// </summary>
    NewFlow,

    /// <summary>A SYN of a session still awaiting a decision (a retransmission): drop it; the app sends it again.</summary>
    AwaitingDecision,

    /// <summary>
    /// No session for a segment that is not a SYN (or a SYN from the listener to an unknown
    /// virtual endpoint): answer with <see cref="TcpResetBuilder.TryBuild"/> over the untouched packet,
    /// as a closed port does (RFC 9293 §3.10.7.1).
    /// </summary>
    Reset,

    /// <summary>
    /// A new flow's SYN found every virtual endpoint in use; no session was made (a live one is never
    /// overwritten) and <see cref="TcpNatTable.RefusedPoolExhausted"/> counts it. Answer with an RST.
    /// </summary>
    ResetPoolExhausted,
}
