namespace SharpTun.Dns;

/// <summary>Settings of a <see cref="DnsResolver"/>.</summary>
public sealed record DnsResolverOptions
{
    /// <summary>How long one upstream may take to answer one query: 5 seconds, the C library's default (resolv.conf(5) timeout).</summary>
    public TimeSpan UpstreamTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How long an upstream has to answer before the next one in the list is asked as well, the
    /// first answer winning: one second, several round trips to any reasonable server and about a
    /// TLS handshake through a proxy. <see cref="TimeSpan.Zero"/> asks every upstream at once (as
    /// mihomo does); a value of <see cref="UpstreamTimeout"/> or more asks them strictly one after
    /// the other. An upstream that fails hands over at once whatever this says.
    /// </summary>
    public TimeSpan FallbackDelay { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>The cache's capacity and TTL caps; its clock is <see cref="TimeProvider"/>.</summary>
    public DnsCacheOptions Cache { get; init; } = new();

    /// <summary>The clock for timeouts, fallback delays and the cache; tests may pass their own.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;
}
