namespace SharpTun.Stack.Nat;

/// <summary>Listener port and timeouts of a <see cref="TcpNatTable"/>.</summary>
public sealed record TcpNatOptions
{
    /// <summary>The port of the NAT listener on the TUN address (L:lp); every flow is rewritten to it.</summary>
    public required ushort ListenerPort { get; init; }

    /// <summary>
    /// An open session with no packet for this long is removed. 2 h 4 min by default, the least
    /// RFC 5382 REQ-5 allows for an established connection (TCP keep-alives every 2 h must fit).
    /// </summary>
    public TimeSpan IdleTimeout { get; init; } = TimeSpan.FromMinutes(124);

    /// <summary>
    /// After both FINs or an RST, the session is kept this long so that late segments (the last ACK,
    /// a retransmitted FIN or RST) are still translated, then its virtual endpoint is released. A
    /// short stand-in for TIME-WAIT's 2 x MSL (RFC 9293 §3.6.1): the kernel's socket keeps its own.
    /// </summary>
    public TimeSpan ClosingGracePeriod { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>A session still awaiting the caller's decision after this long is removed (its SYN is lost).</summary>
    public TimeSpan DecisionTimeout { get; init; } = TimeSpan.FromSeconds(30);
}
