using System.Net;
using SharpTun.Dns;

namespace SharpTun.Cli.Settings;

/// <summary>How the proxy answers DNS.</summary>
public enum DnsMode
{
    /// <summary>A and AAAA queries get an address from the fake-IP ranges, which maps back to the name (the default).</summary>
    FakeIp,

    /// <summary>Queries are answered from the upstream resolvers (cached).</summary>
    Real,

    /// <summary>No DNS server: queries are proxied like any other UDP flow.</summary>
    Off,
}

/// <summary>The DNS server on the TUN and its upstreams.</summary>
public sealed record DnsSettings
{
    /// <summary>Names answered with real addresses even in fake-IP mode: local names, NTP, connectivity checks.</summary>
    public static readonly IReadOnlyList<string> DefaultFakeIpExclude =
        ["*.lan", "*.local", "*.localdomain", "*.home.arpa", "+.pool.ntp.org", "+.time.windows.com", "+.msftconnecttest.com", "+.msftncsi.com", "+.stun.l.google.com"];

    public DnsMode Mode { get; init; } = DnsMode.FakeIp;

    /// <summary>Answer every query to port 53 that enters the device, whatever its destination address.</summary>
    public bool Hijack { get; init; } = true;

    public IPNetwork FakeIpv4Range { get; init; } = FakeIpPool.DefaultIPv4Range;

    public IPNetwork FakeIpv6Range { get; init; } = FakeIpPool.DefaultIPv6Range;

    /// <summary>TTL of fake answers, seconds: short, so an app asks again rather than keep an address that might be recycled.</summary>
    public int FakeIpTtlSeconds { get; init; } = 1;

    /// <summary>Patterns (<c>example.org</c>, <c>*.lan</c> one label, <c>+.example.org</c> the name and below) answered with real addresses.</summary>
    public IReadOnlyList<string> FakeIpExclude { get; init; } = DefaultFakeIpExclude;

    /// <summary>File the fake-IP table is saved to on exit and loaded from at start, or null to keep it in memory only.</summary>
    public string? FakeIpStore { get; init; }

    /// <summary>Upstream resolvers for real answers, tried in order: <c>system</c>, <c>udp://</c>, <c>tcp://</c>, <c>tls://</c>, <c>https://</c>.</summary>
    public IReadOnlyList<string> Upstreams { get; init; } = ["system"];

    /// <summary>How long one upstream may take before the next is tried.</summary>
    public TimeSpan UpstreamTimeout { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>The outbound (by name) TCP, DoT and DoH upstreams connect through; null means DIRECT.</summary>
    public string? UpstreamOutbound { get; init; }
}

/// <summary>Reading a flow's first bytes to learn its domain (TLS SNI, HTTP Host) when its destination is a real address.</summary>
public sealed record SniffSettings
{
    public bool Enabled { get; init; } = true;

    /// <summary>How long to wait for the app's first bytes before deciding without a domain (a server-speaks-first protocol sends none).</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromMilliseconds(300);
}
