namespace SharpTun.Stack.Nat;

/// <summary>
/// One TCP flow through the system-stack NAT: the app's S:sp -> D:dp, seen by the kernel as
/// V:vp -> L:lp. Created per flow by <see cref="TcpNatTable"/>; the per-packet path only reads it
/// and updates its activity and close tracking.
/// </summary>
public sealed class TcpNatSession
{
    private const int FinFromAppBit = 1, FinFromListenerBit = 2, ResetBit = 4;

    private int _state;
    private int _closeBits;
    private long _lastActivity;
    private long _closingSince;

    internal TcpNatSession(NatEndpoint source, NatEndpoint destination, NatEndpoint virtualEndpoint, long now)
    {
        Source = source;
        Destination = destination;
        VirtualEndpoint = virtualEndpoint;
        _lastActivity = now;
    }

    /// <summary>The app's endpoint S:sp, the original source.</summary>
    public NatEndpoint Source { get; }

    /// <summary>The endpoint the app connects to, D:dp, the original destination.</summary>
    public NatEndpoint Destination { get; }

    /// <summary>The virtual endpoint V:vp the listener sees as the peer of the accepted connection.</summary>
    public NatEndpoint VirtualEndpoint { get; }

    /// <summary>Where the session is in its life; changes under the caller's feet as packets arrive.</summary>
    public TcpNatSessionState State => (TcpNatSessionState)Volatile.Read(ref _state);

    /// <summary>
    /// The caller's own data, e.g. the outbound chosen when admitting the flow, for the accept loop to
    /// pick up; the NAT never reads it.
    /// </summary>
    public object? UserState { get; set; }

    internal long LastActivity => Volatile.Read(ref _lastActivity);

    internal long ClosingSince => Volatile.Read(ref _closingSince);

    internal bool TryAdmit() =>
        Interlocked.CompareExchange(ref _state, (int)TcpNatSessionState.Open, (int)TcpNatSessionState.AwaitingDecision) == (int)TcpNatSessionState.AwaitingDecision;

    /// <summary>Moves a session awaiting a decision straight to closed; false when it is past that.</summary>
    internal bool TryRefuse() =>
        Interlocked.CompareExchange(ref _state, (int)TcpNatSessionState.Closed, (int)TcpNatSessionState.AwaitingDecision) == (int)TcpNatSessionState.AwaitingDecision;

    internal void MarkClosed() => Volatile.Write(ref _state, (int)TcpNatSessionState.Closed);

    /// <summary>
    /// Records a translated segment: its time, and FIN/RST. Both FINs (RFC 9293 §3.6) or one RST
    /// (§3.10.7) move an open session to closing and start its grace period.
    /// </summary>
    internal void Observe(Wire.TcpFlags flags, bool fromApp, long now)
    {
        Volatile.Write(ref _lastActivity, now);
        if ((flags & (Wire.TcpFlags.Fin | Wire.TcpFlags.Rst)) == 0)
            return;
        int bit = (flags & Wire.TcpFlags.Rst) != 0 ? ResetBit : fromApp ? FinFromAppBit : FinFromListenerBit;
        int bits = Interlocked.Or(ref _closeBits, bit) | bit;
        bool closed = (bits & ResetBit) != 0 || (bits & (FinFromAppBit | FinFromListenerBit)) == (FinFromAppBit | FinFromListenerBit);
        if (!closed || Volatile.Read(ref _state) != (int)TcpNatSessionState.Open)
            return;
        // The start of the grace period is written before the state, so an expiry sweep that sees
        // Closing never reads a stale start.
        Volatile.Write(ref _closingSince, now);
        Interlocked.CompareExchange(ref _state, (int)TcpNatSessionState.Closing, (int)TcpNatSessionState.Open);
    }

    /// <summary>"tcp 10.0.0.2:40000 -> 93.184.216.34:443 via 10.0.0.7:1025 (Open)", for logs.</summary>
    public override string ToString() => $"tcp {Source} -> {Destination} via {VirtualEndpoint} ({State})";
}
