using SharpTun.TestSupport;
using SharpTun.Vpn;

namespace SharpTun.EndToEnd.Vpn;

/// <summary>
/// <c>sharptun vpn up</c> as a server: one ListenPort, several [Peer]s and <c>Masquerade</c> out of
/// the interface towards a "remote" namespace. Clients reach each other through the server (routed
/// by AllowedIPs) and reach the remote, which sees only the server's address; a client that
/// masquerades into its own tunnel is the VPN gateway of a LAN host behind it.
/// </summary>
/// <remarks>
/// Addresses: each client i has the underlay 10.96.i.2/24 to the server's 10.96.i.1/24 (its own veth
/// pair); the tunnel is 10.210.0.0/24 and fd21::/64 with the server at .1/::1 and the clients at
/// .1i/::1i; the remote is 10.97.0.2/24 and fd97::2/64 behind the server's 10.97.0.1 and fd97::1,
/// with no route back to the tunnel (only masqueraded packets can be answered).
/// </remarks>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class VpnServerTests : IDisposable
{
    private const string RemoteDevice = "eth-remote";
    private const int EchoPort4 = 8080, EchoPort6 = 8086;

    private readonly VpnLab _lab = new();
    private readonly TestNamespace _server;
    private readonly TestNamespace _remote;
    private readonly WireGuardKey _serverKey = WireGuardKey.GeneratePrivate();

    public VpnServerTests()
    {
        try
        {
            _server = _lab.Namespace("vsrv");
            _remote = _lab.Namespace("vrem");
            _lab.Link(_server, RemoteDevice, "10.97.0.1/24, fd97::1/64", _remote, "eth0", "10.97.0.2/24, fd97::2/64");
            _lab.StartPeerAddressEcho(_remote, EchoPort4, ipv6: false);
            _lab.StartPeerAddressEcho(_remote, EchoPort6, ipv6: true);
        }
        catch
        {
            _lab.Dispose();
            throw;
        }
    }

    public void Dispose() => _lab.Dispose();

    private sealed record Client(string Name, TestNamespace Namespace, WireGuardKey Key, int Index)
    {
        public string Tunnel4 => $"10.210.0.1{Index}";
        public string Tunnel6 => $"fd21::1{Index}";
    }

    /// <summary>A client namespace on its own veth pair to the server (underlay 10.96.INDEX.0/24, IPv4 only).</summary>
    private Client AddClient(string name, int index)
    {
        var ns = _lab.Namespace("vcl" + index);
        _lab.Link(_server, $"eth-c{index}", $"10.96.{index}.1/24", ns, "eth0", $"10.96.{index}.2/24");
        return new Client(name, ns, WireGuardKey.GeneratePrivate(), index);
    }

    private string ServerFile(IEnumerable<Client> clients) => _lab.Configuration("stv0.conf", $"""
        [Interface]
        PrivateKey = {_serverKey}
        Address = 10.210.0.1/24, fd21::1/64
        ListenPort = 51820
        Masquerade = {RemoteDevice}

        """ + string.Concat(clients.Select(c => $"""
        [Peer]
        # {c.Name}
        PublicKey = {c.Key.DerivePublic()}
        AllowedIPs = {c.Tunnel4}/32, {c.Tunnel6}/128

        """)));

    /// <summary>A SharpTun client: the tunnel's subnets and the remote's go to the server.</summary>
    private string ClientFile(Client client, string extraInterfaceLines = "", string allowedIps = "10.210.0.0/24, fd21::/64, 10.97.0.0/24, fd97::/64") =>
        _lab.Configuration("stv1.conf", $"""
            [Interface]
            PrivateKey = {client.Key}
            Address = {client.Tunnel4}/24, {client.Tunnel6}/64
            {extraInterfaceLines}
            [Peer]
            PublicKey = {_serverKey.DerivePublic()}
            AllowedIPs = {allowedIps}
            Endpoint = 10.96.{client.Index}.1:51820
            PersistentKeepalive = 25
            """);

    [Fact]
    public void Server_ThreeClients_ReachEachOtherAndTheRemoteThroughMasquerade_V4AndV6_AndDownRestoresTheServer()
    {
        var alice = AddClient("alice (sharptun)", 1);
        var bob = AddClient("bob (sharptun)", 2);
        var carol = AddClient("carol (wireguard-go)", 3);
        Client[] clients = [alice, bob, carol];
        _server.WaitForIpv6Settled();
        var before = NamespaceSnapshot.Take(_server);

        var server = _lab.Up(_server, ServerFile(clients));
        var aliceUp = _lab.Up(alice.Namespace, ClientFile(alice));
        var bobUp = _lab.Up(bob.Namespace, ClientFile(bob));
        StartWireGuardGoClient(carol);
        string Logs() => $"server:\n{server.StandardError}\nalice:\n{aliceUp.StandardError}\nbob:\n{bobUp.StandardError}";

        // Each client first reaches the server, so that the server learns every endpoint.
        foreach (var client in clients)
            VpnLab.AssertPings(client.Namespace, "10.210.0.1", Logs());

        foreach (var from in clients)
        {
            foreach (var to in clients.Where(c => c != from))
            {
                VpnLab.AssertPings(from.Namespace, to.Tunnel4, $"{from.Name} -> {to.Name}\n{Logs()}");
                VpnLab.AssertPings(from.Namespace, to.Tunnel6, $"{from.Name} -> {to.Name}\n{Logs()}");
            }
            // The remote has no route to the tunnel: it answers because it sees the server's address.
            Assert.Equal("10.97.0.1", VpnLab.AskPeerAddress(from.Namespace, "10.97.0.2", EchoPort4));
            Assert.Equal("fd97::1", VpnLab.AskPeerAddress(from.Namespace, "fd97::2", EchoPort6));
        }

        // Cryptokey routing checks sources too: alice cannot speak for bob.
        alice.Namespace.Ip($"addr add {bob.Tunnel4}/32 dev stv1");
        Assert.NotEqual(0, alice.Namespace.Exec($"ping -c 1 -W 1 -I {bob.Tunnel4} 10.210.0.1", VpnLab.CommandTimeout).ExitCode);

        var show = _lab.WaitForShow(_server, "stv0", text => text.Split("latest handshake: ").Length == 4 && text.Contains(" source not allowed", StringComparison.Ordinal));
        foreach (var client in clients)
            Assert.Contains($"peer: {client.Key.DerivePublic()}\n  endpoint: 10.96.{client.Index}.2:", show);

        _lab.Down(_server, "stv0", server);
        Assert.Equal(before, NamespaceSnapshot.Take(_server));
    }

    [Fact]
    public void Gateway_ClientMasqueradingIntoItsTunnel_LetsALanHostReachTheRemote()
    {
        var gateway = AddClient("gateway", 1);
        var lan = _lab.Namespace("vlan");
        _lab.Link(gateway.Namespace, "eth-lan", "192.168.77.1/24", lan, "eth0", "192.168.77.2/24");
        lan.Ip("route add default via 192.168.77.1");

        var server = _lab.Up(_server, ServerFile([gateway]));
        // The usual VPN gateway: everything into the tunnel (wg-quick's fwmark policy routing), and
        // what the LAN sends leaves with the gateway's tunnel address, which the server accepts.
        var gatewayUp = _lab.Up(gateway.Namespace, ClientFile(gateway, "Masquerade = stv1", allowedIps: "0.0.0.0/0"));

        var seen = VpnLab.AskPeerAddress(lan, "10.97.0.2", EchoPort4);

        Assert.True(seen == "10.97.0.1", $"the remote saw '{seen}'\nserver:\n{server.StandardError}\ngateway:\n{gatewayUp.StandardError}");
        VpnLab.AssertPings(lan, "10.210.0.1");
        Assert.Equal("1", gateway.Namespace.Exec("sysctl -n net.ipv4.ip_forward").StandardOutput.Trim());
    }

    /// <summary>wireguard-go as a client of the server, configured as the SharpTun clients are.</summary>
    private void StartWireGuardGoClient(Client client)
    {
        var go = _lab.WireGuardGo(client.Namespace, "wgc0");
        go.Set(["private-key", go.KeyFile(client.Key), "peer", _serverKey.DerivePublic().ToString(),
            "allowed-ips", "10.210.0.0/24,fd21::/64,10.97.0.0/24,fd97::/64", "endpoint", $"10.96.{client.Index}.1:51820", "persistent-keepalive", "25"]);
        client.Namespace.Ip($"addr add {client.Tunnel4}/24 dev wgc0");
        client.Namespace.Ip($"addr add {client.Tunnel6}/64 dev wgc0 nodad");
        client.Namespace.Ip("link set wgc0 mtu 1420 up");
        client.Namespace.Ip("route add 10.97.0.0/24 dev wgc0");
        client.Namespace.Ip("-6 route add fd97::/64 dev wgc0");
    }
}
