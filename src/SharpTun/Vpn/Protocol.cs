namespace SharpTun.Vpn;

/// <summary>The protocol's constants (WireGuard paper §6.1, and wireguard-go's device/constants.go for the queue-level ones).</summary>
public static class Protocol
{
    public static readonly TimeSpan RekeyAfterTime = TimeSpan.FromSeconds(120);
    public static readonly TimeSpan RejectAfterTime = TimeSpan.FromSeconds(180);
    public static readonly TimeSpan RekeyAttemptTime = TimeSpan.FromSeconds(90);
    public static readonly TimeSpan RekeyTimeout = TimeSpan.FromSeconds(5);
    public static readonly TimeSpan KeepaliveTimeout = TimeSpan.FromSeconds(10);
    public static readonly TimeSpan CookieRefreshTime = TimeSpan.FromSeconds(120);

    /// <summary>Up to this much random delay is added to handshake retries (paper §6.1), so peers do not retry in lockstep.</summary>
    public static readonly TimeSpan RekeyTimeoutJitterMax = TimeSpan.FromMilliseconds(333);

    /// <summary>An initiation from the same peer sooner than this after the last one is treated as a flood and dropped (wireguard-go).</summary>
    public static readonly TimeSpan HandshakeInitiationRate = TimeSpan.FromMilliseconds(20);

    /// <summary>A handshake is retried this many times (RekeyAttemptTime / RekeyTimeout) before giving up.</summary>
    public const int MaxHandshakeAttempts = 18;

    public const ulong RekeyAfterMessages = 1UL << 60;

    /// <summary>2^64 - 2^13 - 1: the last counter leaves room for the replay window (paper §6.1).</summary>
    public const ulong RejectAfterMessages = ulong.MaxValue - (1UL << 13);
}
