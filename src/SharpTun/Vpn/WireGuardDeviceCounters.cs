namespace SharpTun.Vpn;

/// <summary>Packets the device dropped, by reason (a snapshot).</summary>
public sealed record WireGuardDeviceCounters(
    long InvalidMessages,
    long ReplayedMessages,
    long SourceNotAllowed,
    long NoRoute,
    long OversizedPackets,
    long HandshakesRefused,
    long CookieRepliesSent,
    long StagedPacketsDropped,
    long TunWriteFailures);
