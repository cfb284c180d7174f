namespace SharpTun.Vpn;

/// <summary>Why packets were dropped; incremented from the data threads without locks.</summary>
internal sealed class DropCounters
{
    public long InvalidMessages;
    public long ReplayedMessages;
    public long SourceNotAllowed;
    public long NoRoute;
    /// <summary>TUN packets longer than the MTU that are not a TCP super-packet we can cut, or whose offload header does not fit them.</summary>
    public long OversizedPackets;
    public long HandshakesRefused;
    public long CookieRepliesSent;
    public long StagedPacketsDropped;
    public long TunWriteFailures;

    public WireGuardDeviceCounters Snapshot() => new(
        Interlocked.Read(ref InvalidMessages), Interlocked.Read(ref ReplayedMessages), Interlocked.Read(ref SourceNotAllowed),
        Interlocked.Read(ref NoRoute), Interlocked.Read(ref OversizedPackets), Interlocked.Read(ref HandshakesRefused),
        Interlocked.Read(ref CookieRepliesSent), Interlocked.Read(ref StagedPacketsDropped),
        Interlocked.Read(ref TunWriteFailures));
}
