using System.Diagnostics;
using SharpTun.TestSupport;
using SharpTun.Vpn;

namespace SharpTun.EndToEnd.Vpn;

/// <summary>
/// A client whose Endpoint is a host name follows its server to a new address: the server comes
/// back up elsewhere and the name now points there (/etc/hosts in the client's namespace, through
/// <c>ip netns exec</c>'s /etc/netns/NAME/hosts); once the client's handshakes go unanswered it
/// resolves the name again and reconnects (<see cref="PeerEndpointRefresher"/>; its timing is tested
/// on a hand-moved clock in <see cref="PeerEndpointRefresherTests"/>).
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class VpnEndpointResolutionTests : IDisposable
{
    private readonly VpnLab _lab = new();

    public void Dispose() => _lab.Dispose();

    [Fact]
    public void ServerMovesAndItsNameFollows_ClientResolvesAgainAndReconnects()
    {
        var server = _lab.Namespace("vsrv");
        var client = _lab.Namespace("vcli");
        _lab.Link(server, "eth-c", "10.92.0.1/24", client, "eth0", "10.92.0.2/24");
        _lab.HostsFile(client, "10.92.0.1 vpn-server.test\n");
        var serverKey = WireGuardKey.GeneratePrivate();
        var clientKey = WireGuardKey.GeneratePrivate();
        var serverFile = _lab.Configuration("stv0.conf", $"""
            [Interface]
            PrivateKey = {serverKey}
            Address = 10.214.0.1/24
            ListenPort = 51820
            [Peer]
            PublicKey = {clientKey.DerivePublic()}
            AllowedIPs = 10.214.0.2/32
            """);
        var serverUp = _lab.Up(server, serverFile);
        var clientUp = _lab.Up(client, _lab.Configuration("stv1.conf", $"""
            [Interface]
            PrivateKey = {clientKey}
            Address = 10.214.0.2/24
            [Peer]
            PublicKey = {serverKey.DerivePublic()}
            AllowedIPs = 10.214.0.1/32
            Endpoint = vpn-server.test:51820
            """));
        VpnLab.AssertPings(client, "10.214.0.1", clientUp.StandardError);
        Assert.Contains("  endpoint: 10.92.0.1:51820\n", _lab.Show(client, "stv1").StandardOutput);

        // The server restarts on a new address (it knows no endpoint for the client, so only the
        // client can reconnect), and the name follows it.
        _lab.Down(server, "stv0", serverUp);
        server.Ip("addr del 10.92.0.1/24 dev eth-c");
        server.Ip("addr add 10.92.0.3/24 dev eth-c");
        _lab.HostsFile(client, "10.92.0.3 vpn-server.test\n");
        _lab.Up(server, serverFile);

        // The client's data goes unanswered; after Keepalive-Timeout + Rekey-Timeout (15 s) it starts
        // a handshake, and just before that is retried (5 s) the name is looked up again.
        var watch = Stopwatch.StartNew();
        while (client.Exec("ping -c 1 -W 1 10.214.0.1", VpnLab.CommandTimeout).ExitCode != 0)
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(40), $"no answer through the tunnel 40 s after the server moved\n{clientUp.StandardError}");

        Assert.Contains("peer endpoint vpn-server.test resolved again, handshakes were going unanswered: 10.92.0.1:51820 -> 10.92.0.3:51820", clientUp.StandardError);
        _lab.WaitForShow(client, "stv1", text => text.Contains("  endpoint: 10.92.0.3:51820\n", StringComparison.Ordinal));
    }
}
