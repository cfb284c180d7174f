using System.Net;
using SharpTun.Cli.Vpn;
using SharpTun.Vpn;

namespace SharpTun.EndToEnd.Vpn;

/// <summary><c>vpn show</c>'s text against what wg(8)'s show.c prints.</summary>
public sealed class WgShowFormatTests
{
    private static readonly WireGuardKey Key1 = WireGuardKey.Parse("BtetLl8xAstaQb0uvehPCyXvs8M9Dh7q/H6fDZzgHDc=");
    private static readonly WireGuardKey Key2 = WireGuardKey.Parse("qUrmmxNpvY2X7oTSSprE8ySgKLc31B0opLECQIUGRT0=");
    private static readonly WireGuardKey Key3 = WireGuardKey.Parse("KD8sS8XaMzTWDYpG6AjAtewOlHn4z/QCkLylW9FjfxI=");

    [Theory]
    [InlineData(1, "1 second")]
    [InlineData(59, "59 seconds")]
    [InlineData(60, "1 minute")]
    [InlineData(3661, "1 hour, 1 minute, 1 second")]
    [InlineData(2 * 86400 + 7200, "2 days, 2 hours")]
    [InlineData(365 * 86400 + 86400 + 5, "1 year, 1 day, 5 seconds")]
    public void Duration_LeavesOutZeroParts(long seconds, string expected) => Assert.Equal(expected, WgShowFormat.Duration(seconds));

    [Theory]
    [InlineData(0, "0 B")]
    [InlineData(1023, "1023 B")]
    [InlineData(1024, "1.00 KiB")]
    [InlineData(1536, "1.50 KiB")]
    [InlineData(5L * 1024 * 1024 * 1024, "5.00 GiB")]
    [InlineData(3L * 1024 * 1024 * 1024 * 1024 * 1024, "3072.00 TiB")]
    public void Bytes_UsesBinaryUnitsWithTwoDecimals(long count, string expected) => Assert.Equal(expected, WgShowFormat.Bytes(count));

    [Fact]
    public void Ago_NowAndClockWoundBackward()
    {
        var now = DateTimeOffset.UtcNow;
        Assert.Equal("Now", WgShowFormat.Ago(now, now));
        Assert.Equal("(System clock wound backward; connection problems may ensue.)", WgShowFormat.Ago(now.AddSeconds(3), now));
        Assert.Equal("2 minutes ago", WgShowFormat.Ago(now.AddSeconds(-120), now));
    }

    [Fact]
    public void Format_SortsPeersByLatestHandshakeAndLeavesOutWhatWgLeavesOut()
    {
        var now = DateTimeOffset.UtcNow;
        var status = new VpnStatus
        {
            PublicKey = Key1,
            Peers =
            [
                new VpnPeerStatus { PublicKey = Key2, AllowedIps = [IPNetwork.Parse("10.0.0.2/32")] },
                new VpnPeerStatus { PublicKey = Key3, Endpoint = IPEndPoint.Parse("[2001:db8::3]:51820"), LatestHandshake = now.AddSeconds(-5), ReceivedBytes = 100, SentBytes = 0 },
            ],
        };

        Assert.Equal(
            $"""
            interface: stv0
              public key: {Key1}
              private key: (hidden)

            peer: {Key3}
              endpoint: [2001:db8::3]:51820
              allowed ips: (none)
              latest handshake: 5 seconds ago
              transfer: 100 B received, 0 B sent

            peer: {Key2}
              allowed ips: 10.0.0.2/32

            """,
            WgShowFormat.Format("stv0", status, now));
    }

    [Fact]
    public void Format_DropCounters_OneLineUnderTheInterfaceWithTheNonZeroReasons()
    {
        var status = new VpnStatus
        {
            PublicKey = Key1,
            ListenPort = 51820,
            Dropped = new WireGuardDeviceCounters(InvalidMessages: 3, ReplayedMessages: 2, SourceNotAllowed: 0, NoRoute: 7, OversizedPackets: 0,
                HandshakesRefused: 1, CookieRepliesSent: 4, StagedPacketsDropped: 0, TunWriteFailures: 0),
        };

        Assert.Equal(
            $"""
            interface: stv0
              public key: {Key1}
              private key: (hidden)
              listening port: 51820
              dropped: 3 invalid, 2 replayed, 7 no route, 1 handshakes refused

            """,
            WgShowFormat.Format("stv0", status, DateTimeOffset.UtcNow));
    }

    [Fact]
    public void Format_NothingDropped_NoDroppedLine()
    {
        var status = new VpnStatus { PublicKey = Key1, Dropped = new WireGuardDeviceCounters(0, 0, 0, 0, 0, 0, CookieRepliesSent: 2, 0, 0) };

        Assert.DoesNotContain("dropped", WgShowFormat.Format("stv0", status, DateTimeOffset.UtcNow));
    }

    [Fact]
    public void Drops_EveryReasonInItsPlace()
    {
        Assert.Equal("1 invalid, 2 replayed, 3 source not allowed, 4 no route, 5 too big, 6 handshakes refused, 8 queue overflow, 9 tun write failed",
            WgShowFormat.Drops(new WireGuardDeviceCounters(1, 2, 3, 4, 5, 6, 7, 8, 9)));
    }
}
