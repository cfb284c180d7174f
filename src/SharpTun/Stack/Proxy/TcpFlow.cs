using SharpTun.Proxy;
using SharpTun.Proxy.Relay;
using SharpTun.Stack.Nat;

namespace SharpTun.Stack.Proxy;

/// <summary>
/// One proxied TCP flow between the app's SYN and the end of its relay. Normally its outbound
/// connection was opened before the SYN was let through and waits to be claimed by the listener's
/// accept; a flow whose domain is learnt from its first bytes (sniffing) is let through first and
/// gets its outbound after the accept (<see cref="Deferred"/>).
/// </summary>
public sealed class TcpFlow
{
    private ProxyConnection? _outbound;
    private int _claimed;

    /// <param name="session">The flow's NAT session.</param>
    /// <param name="outboundName">The outbound, for the log line (set again when a deferred flow gets one).</param>
    /// <param name="outbound">The connected outbound, or null to decide it after the accept.</param>
    /// <param name="startTimestamp">When the SYN came.</param>
    public TcpFlow(TcpNatSession session, string outboundName, ProxyConnection? outbound, long startTimestamp)
    {
        Session = session;
        OutboundName = outboundName;
        _outbound = outbound;
        Deferred = outbound is null;
        StartTimestamp = startTimestamp;
    }

    public TcpNatSession Session { get; }

    /// <summary>The outbound and why it was chosen, for the log line.</summary>
    public string OutboundName { get; set; }

    /// <summary>The destination's domain, from its fake address or from sniffing; null when not known.</summary>
    public string? Domain { get; set; }

    /// <summary>The fake address this flow keeps for its domain until it ends, or null.</summary>
    public NatEndpoint? PinnedFakeAddress { get; init; }

    /// <summary>The outbound is chosen after the accept, from the app's first bytes.</summary>
    public bool Deferred { get; }

    /// <summary><see cref="System.Diagnostics.Stopwatch"/> timestamp of the app's SYN.</summary>
    public long StartTimestamp { get; }

    /// <summary>The queue loop that read the SYN; it relays the flow, since the flow's packets keep arriving on its queue.</summary>
    internal TunQueueLoop? Loop { get; init; }

    /// <summary>The flow's relay once it started (read on the loop, to pump it as soon as the app's data is written into the kernel).</summary>
    internal ConnectionRelay? Relay { get; set; }

    /// <summary>
    /// Takes the flow for its relay: true once, with the outbound connection (null for a
    /// <see cref="Deferred"/> flow); false when already taken or abandoned.
    /// </summary>
    public bool TryClaim(out ProxyConnection? outbound)
    {
        outbound = null;
        if (Interlocked.Exchange(ref _claimed, 1) != 0)
            return false;
        outbound = Interlocked.Exchange(ref _outbound, null);
        return true;
    }

    /// <summary>Closes the outbound connection if nobody claimed the flow (the app gave up before accept); true when it did.</summary>
    public bool Abandon()
    {
        if (!TryClaim(out var outbound))
            return false;
        outbound?.Dispose();
        return true;
    }
}
