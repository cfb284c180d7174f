namespace SharpTun.Dns;

/// <summary>Limits of a <see cref="DnsCache"/>.</summary>
public sealed record DnsCacheOptions
{
    /// <summary>The default number of answers kept: 4096, a few megabytes at most.</summary>
    public const int DefaultCapacity = 4096;

    /// <summary>How many answers are kept; the least recently used goes first when a new one needs room.</summary>
    public int Capacity { get; init; } = DefaultCapacity;

    /// <summary>The longest a positive answer is kept whatever its TTL says: one day, as unbound's cache-max-ttl.</summary>
    public TimeSpan MaximumTimeToLive { get; init; } = TimeSpan.FromDays(1);

    /// <summary>
    /// The longest a negative answer (NXDOMAIN, NODATA) is kept whatever its SOA says: one hour,
    /// within the one to three hours RFC 2308 §5 recommends, as unbound's cache-max-negative-ttl.
    /// </summary>
    public TimeSpan MaximumNegativeTimeToLive { get; init; } = TimeSpan.FromHours(1);

    /// <summary>The clock TTLs count down on; tests may pass their own.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;
}
