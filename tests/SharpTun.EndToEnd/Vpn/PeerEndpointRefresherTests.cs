using System.Net;
using Microsoft.Extensions.Logging.Abstractions;
using SharpTun.Cli.Vpn;
using SharpTun.TestSupport;
using SharpTun.Vpn;
using SharpTun.Vpn.Config;

namespace SharpTun.EndToEnd.Vpn;

/// <summary>
/// When <see cref="PeerEndpointRefresher"/> looks a peer's host name up again, on a clock moved by
/// hand, against a stand-in for the device's peer list and the resolver
/// (<see cref="VpnEndpointResolutionTests"/> does it for real).
/// </summary>
public sealed class PeerEndpointRefresherTests : IDisposable
{
    private static readonly WireGuardKey Named = WireGuardKey.GeneratePrivate().DerivePublic();
    private static readonly WireGuardKey Literal = WireGuardKey.GeneratePrivate().DerivePublic();
    private static readonly IPEndPoint OldAddress = IPEndPoint.Parse("192.0.2.1:51820");
    private static readonly IPEndPoint NewAddress = IPEndPoint.Parse("192.0.2.2:51820");

    private readonly ManualTimeProvider _time = new();
    private readonly Dictionary<WireGuardKey, DateTimeOffset?> _unansweredSince = new() { [Named] = null, [Literal] = null };
    private readonly Dictionary<WireGuardKey, IPEndPoint> _endpoints = new() { [Named] = OldAddress, [Literal] = IPEndPoint.Parse("198.51.100.7:51820") };
    private readonly List<string> _lookups = [];
    private readonly PeerEndpointRefresher _refresher;
    private IPEndPoint? _answer = NewAddress;

    public PeerEndpointRefresherTests()
    {
        VpnPeerSettings[] peers =
        [
            new() { PublicKey = Named, Endpoint = Endpoint("vpn.example.test:51820") },
            new() { PublicKey = Literal, Endpoint = Endpoint("198.51.100.7:51820") },
        ];
        _refresher = new PeerEndpointRefresher(peers, Peers, SetEndpoint, Resolve, _time, NullLogger.Instance);
    }

    public void Dispose() => _refresher.Dispose();

    private static VpnEndpoint Endpoint(string text) =>
        VpnEndpoint.TryParse(text, out var endpoint, out var error) ? endpoint : throw new ArgumentException(error);

    private IReadOnlyList<WireGuardPeerStatus> Peers() =>
        [.. _unansweredSince.Select(p => new WireGuardPeerStatus(p.Key, false, _endpoints[p.Key], [], null, 0, 0, null, p.Value))];

    private bool SetEndpoint(WireGuardKey key, IPEndPoint endpoint)
    {
        _endpoints[key] = endpoint;
        return true;
    }

    private IPEndPoint Resolve(VpnEndpoint endpoint)
    {
        _lookups.Add(endpoint.Host);
        return _answer ?? throw new InvalidOperationException($"cannot resolve peer endpoint '{endpoint.Host}': no such host");
    }

    /// <summary>Both peers' initiations go unanswered from now on.</summary>
    private void HandshakesFail()
    {
        _unansweredSince[Named] = _time.GetUtcNow();
        _unansweredSince[Literal] = _time.GetUtcNow();
    }

    [Fact]
    public void AnsweredHandshakes_NeverLookUp()
    {
        _time.Advance(TimeSpan.FromMinutes(10));

        Assert.Empty(_lookups);
    }

    [Fact]
    public void InitiationUnansweredUntilJustBeforeItsRetry_LooksTheNameUpOnceAndMovesThePeer()
    {
        HandshakesFail();
        _time.Advance(PeerEndpointRefresher.UnansweredFor - PeerEndpointRefresher.CheckInterval);
        Assert.Empty(_lookups);

        _time.Advance(PeerEndpointRefresher.CheckInterval);

        Assert.Equal(["vpn.example.test"], _lookups);
        Assert.Equal(NewAddress, _endpoints[Named]);
        Assert.Equal("198.51.100.7:51820", _endpoints[Literal].ToString()); // an address is never looked up
    }

    [Fact]
    public void StillFailing_LooksUpAgainOnlyAfterTheResolveInterval()
    {
        _answer = OldAddress; // the name has not moved (yet)
        HandshakesFail();
        _time.Advance(PeerEndpointRefresher.UnansweredFor);
        Assert.Single(_lookups);

        _time.Advance(PeerEndpointRefresher.ResolveInterval - TimeSpan.FromSeconds(1));
        Assert.Single(_lookups);
        Assert.Equal(OldAddress, _endpoints[Named]);

        _answer = NewAddress;
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(2, _lookups.Count);
        Assert.Equal(NewAddress, _endpoints[Named]);
    }

    [Fact]
    public void AnsweredThenFailingAgain_LooksUpAtOnce()
    {
        HandshakesFail();
        _time.Advance(PeerEndpointRefresher.UnansweredFor);
        Assert.Single(_lookups);
        _unansweredSince[Named] = null;
        _time.Advance(TimeSpan.FromSeconds(2));

        HandshakesFail();
        _time.Advance(PeerEndpointRefresher.UnansweredFor);

        Assert.Equal(2, _lookups.Count);
    }

    [Fact]
    public void NameDoesNotResolve_KeepsTheEndpointAndTriesAgainLater()
    {
        _answer = null;
        HandshakesFail();
        _time.Advance(PeerEndpointRefresher.UnansweredFor);
        Assert.Single(_lookups);
        Assert.Equal(OldAddress, _endpoints[Named]);

        _answer = NewAddress;
        _time.Advance(PeerEndpointRefresher.ResolveInterval);

        Assert.Equal(2, _lookups.Count);
        Assert.Equal(NewAddress, _endpoints[Named]);
    }
}
