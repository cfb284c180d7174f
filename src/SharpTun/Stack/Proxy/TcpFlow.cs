using SharpTun.Proxy;
using SharpTun.Proxy.Relay;
using SharpTun.Stack.Nat;

namespace SharpTun.Stack.Proxy;

/// <summary>
/// One proxied TCP flow between the app's SYN and the end of its relay: the outbound connection
/// opened before the SYN was let through, waiting to be claimed by the listener's accept.
/// </summary>
public sealed class TcpFlow
{
    private ProxyConnection? _outbound;

    public TcpFlow(TcpNatSession session, string outboundName, ProxyConnection outbound, long startTimestamp)
    {
        Session = session;
        OutboundName = outboundName;
        _outbound = outbound;
        StartTimestamp = startTimestamp;
    }

    public TcpNatSession Session { get; }

    public string OutboundName { get; }

    /// <summary><see cref="System.Diagnostics.Stopwatch"/> timestamp of the app's SYN.</summary>
    public long StartTimestamp { get; }

    /// <summary>The queue loop that read the SYN; it relays the flow, since the flow's packets keep arriving on its queue.</summary>
    internal TunQueueLoop? Loop { get; init; }

    /// <summary>The flow's relay once it started (read on the loop, to pump it as soon as the app's data is written into the kernel).</summary>
    internal ConnectionRelay? Relay { get; set; }

    /// <summary>Takes the outbound connection for the relay; null if already taken or abandoned.</summary>
    public ProxyConnection? Claim() => Interlocked.Exchange(ref _outbound, null);

    /// <summary>Closes the outbound connection if nobody claimed it (the app gave up before accept).</summary>
    public bool Abandon()
    {
        var outbound = Claim();
        outbound?.Dispose();
        return outbound is not null;
    }
}
