using System.Net;
using SharpTun.Vpn.Noise;
using SharpTun.Vpn.Transport;

namespace SharpTun.Tests.Vpn;

public sealed class HandshakeRateLimiterTests
{
    private static readonly WireGuardEndpoint One = WireGuardEndpoint.From(IPEndPoint.Parse("192.0.2.1:1000"));
    private static readonly WireGuardEndpoint OneOtherPort = WireGuardEndpoint.From(IPEndPoint.Parse("192.0.2.1:2000"));
    private static readonly WireGuardEndpoint Two = WireGuardEndpoint.From(IPEndPoint.Parse("[2001:db8::2]:1000"));

    [Fact]
    public void Allow_ShortBurst_ThenTwentyPerSecond_PerAddress()
    {
        var limiter = new HandshakeRateLimiter();
        var start = TimeSpan.FromSeconds(10);
        // A new source starts with Burst - 1 packets' worth of tokens and is let through while more
        // than one packet's worth is left (as wireguard-go): four at once.
        for (var i = 0; i < 4; i++)
            Assert.True(limiter.Allow(i % 2 == 0 ? One : OneOtherPort, start), $"burst message {i}");
        Assert.False(limiter.Allow(One, start));
        Assert.True(limiter.Allow(Two, start), "another address has its own bucket");

        // Then one message per millisecond for two seconds: about 20 per second get through.
        var allowed = 0;
        for (var ms = 1; ms <= 2000; ms++)
        {
            if (limiter.Allow(One, start + TimeSpan.FromMilliseconds(ms)))
                allowed++;
        }
        Assert.InRange(allowed, 39, 41);
    }

    [Fact]
    public void IdleSources_AreForgotten()
    {
        var limiter = new HandshakeRateLimiter();
        limiter.Allow(One, TimeSpan.FromSeconds(1));
        limiter.Allow(Two, TimeSpan.FromSeconds(1));
        Assert.Equal(2, limiter.TrackedSources);
        limiter.Allow(Two, TimeSpan.FromSeconds(3));
        Assert.Equal(1, limiter.TrackedSources);
    }
}
