namespace SharpTun.Dns;

/// <summary>How <see cref="DnsServer"/> answers.</summary>
public sealed record DnsServerOptions
{
    /// <summary>
    /// TTL of fake answers. Short, so that an app asks again rather than keep an address whose
    /// domain may be recycled; asking again is cheap, the answer stays the same while the domain is in use.
    /// </summary>
    public uint FakeTimeToLive { get; init; } = 1;

    /// <summary>Fake AAAA answers; false (a TUN without IPv6) answers AAAA queries with no records, so apps use IPv4.</summary>
    public bool FakeIpv6 { get; init; } = true;

    /// <summary>Names answered from the upstreams even in fake-IP mode.</summary>
    public DomainPatternSet? Exclude { get; init; }
}
