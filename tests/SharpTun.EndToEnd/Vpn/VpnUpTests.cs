using SharpTun.TestSupport;
using SharpTun.Vpn;

namespace SharpTun.EndToEnd.Vpn;

/// <summary>
/// <c>sharptun vpn up FILE</c> against Debian's wireguard-go in a second namespace, over a veth pair:
/// the tunnel carries pings, <c>vpn show</c> reports the handshake, <c>vpn down</c> stops it, and
/// the namespace is left exactly as it was.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class VpnUpTests : IDisposable
{
    private const string GoUnderlay = "10.98.1.1", OurUnderlay = "10.98.1.2";
    private const string GoTunnel = "10.201.0.1", OurTunnel = "10.201.0.2";

    private readonly TestNamespace _go = TestNamespace.Create("wgo");
    private readonly TestNamespace _ours = TestNamespace.Create("wst");
    private readonly DirectoryInfo _files = Directory.CreateTempSubdirectory("sharptun-vpn-up-");
    private readonly JournalTestDirectory _journals = new();
    private readonly WireGuardKey _goKey = WireGuardKey.GeneratePrivate();
    private readonly WireGuardKey _ourKey = WireGuardKey.GeneratePrivate();
    private WireGuardGoProcess? _wireguardGo;

    public VpnUpTests()
    {
        var veth = $"wu{Environment.ProcessId % 10000}{Random.Shared.Next(100)}";
        Run.Checked($"ip link add {veth}a netns {_go.Name} type veth peer name {veth}b netns {_ours.Name}");
        _go.Ip($"addr add {GoUnderlay}/24 dev {veth}a");
        _go.Ip($"link set {veth}a up");
        // No IPv6 on the underlay: its link-local routes come and go with DAD, which the snapshots would see.
        _ours.Exec($"sysctl -qw net.ipv6.conf.{veth}b.disable_ipv6=1");
        _ours.Ip($"addr add {OurUnderlay}/24 dev {veth}b");
        _ours.Ip($"link set {veth}b up");
        _ours.Ip($"route add default via {GoUnderlay}");
    }

    public void Dispose()
    {
        _wireguardGo?.Dispose();
        _ours.Dispose();
        _go.Dispose();
        _journals.Dispose();
        _files.Delete(recursive: true);
    }

    [Theory]
    [InlineData("10.201.0.1/32")]
    [InlineData("0.0.0.0/0")] // wg-quick's fwmark policy routing: only our marked UDP leaves by the veth
    public void Up_AgainstWireGuardGo_CarriesPingsShowsTheHandshakeAndDownRestoresTheNamespace(string allowedIps)
    {
        StartWireGuardGo();
        var before = NamespaceSnapshot.Take(_ours);
        var run = Path.Combine(_files.FullName, "run");
        var file = WriteConfiguration("stv0.conf", $"""
            [Interface]
            PrivateKey = {_ourKey}
            Address = {OurTunnel}/24
            ListenPort = 51821
            [Peer]
            PublicKey = {_goKey.DerivePublic()}
            AllowedIPs = {allowedIps}
            Endpoint = {GoUnderlay}:51820
            """);

        using var up = SharptunProcess.StartIn(_ours, "vpn", "up", file, "--journal-dir", _journals.Path, "--run-dir", run);
        up.WaitForStandardError("stv0 is up", TimeSpan.FromSeconds(30));

        var ping = _ours.Exec($"ping -c 3 -i 0.2 -W 3 {GoTunnel}");
        Assert.True(ping.ExitCode == 0, ping + up.StandardError);
        Assert.Contains(" 0% packet loss", ping.StandardOutput);

        // up rewrites its status file every second: wait for one written after the handshake.
        var show = SharptunProcess.RunIn(_ours, "vpn", "show", "stv0", "--run-dir", run);
        for (var attempt = 0; attempt < 20 && !show.StandardOutput.Contains("latest handshake: "); attempt++)
        {
            Thread.Sleep(250);
            show = SharptunProcess.RunIn(_ours, "vpn", "show", "stv0", "--run-dir", run);
        }
        Assert.True(show.ExitCode == 0, show.ToString());
        Assert.Contains($"peer: {_goKey.DerivePublic()}", show.StandardOutput);
        Assert.Contains($"endpoint: {GoUnderlay}:51820", show.StandardOutput);
        Assert.Contains("latest handshake: ", show.StandardOutput);
        Assert.Contains($"{_ourKey.DerivePublic()}", _go.Exec("wg show wgo0 peers").StandardOutput);

        var down = SharptunProcess.RunIn(_ours, "vpn", "down", "stv0", "--run-dir", run);
        Assert.True(down.ExitCode == 0, down + up.StandardError);
        Assert.Equal(0, up.WaitForExit(TimeSpan.FromSeconds(15)));
        Assert.Equal(before, NamespaceSnapshot.Take(_ours));
        Assert.Empty(_journals.Journals());
    }

    [Fact]
    public void Up_TcpTransportOnBothEnds_CarriesPingsBothWays()
    {
        var run = Path.Combine(_files.FullName, "run");
        var goRun = Path.Combine(_files.FullName, "run-other");
        // Two SharpTun ends (the TCP transport is our extension; wireguard-go speaks only UDP).
        var server = WriteConfiguration("stv1.conf", $"""
            [Interface]
            PrivateKey = {_goKey}
            Address = {GoTunnel}/24
            ListenPort = 51820
            Transport = tcp
            [Peer]
            PublicKey = {_ourKey.DerivePublic()}
            AllowedIPs = {OurTunnel}/32
            """);
        var client = WriteConfiguration("stv0.conf", $"""
            [Interface]
            PrivateKey = {_ourKey}
            Address = {OurTunnel}/24
            Transport = tcp
            [Peer]
            PublicKey = {_goKey.DerivePublic()}
            AllowedIPs = {GoTunnel}/32
            Endpoint = {GoUnderlay}:51820
            PersistentKeepalive = 5
            """);

        using var serverUp = SharptunProcess.StartIn(_go, "vpn", "up", server, "--journal-dir", _journals.Path, "--run-dir", goRun);
        serverUp.WaitForStandardError("stv1 is up", TimeSpan.FromSeconds(30));
        using var clientUp = SharptunProcess.StartIn(_ours, "vpn", "up", client, "--journal-dir", _journals.Path, "--run-dir", run);
        clientUp.WaitForStandardError("stv0 is up", TimeSpan.FromSeconds(30));

        var there = _ours.Exec($"ping -c 3 -i 0.2 -W 3 {GoTunnel}");
        var back = _go.Exec($"ping -c 3 -i 0.2 -W 3 {OurTunnel}");

        Assert.True(there.ExitCode == 0, there + clientUp.StandardError + serverUp.StandardError);
        Assert.True(back.ExitCode == 0, back + clientUp.StandardError + serverUp.StandardError);
        Assert.Contains(":51820", _ours.Exec("ss -Htn state established").StandardOutput); // over TCP, not UDP
        Assert.Equal(0, SharptunProcess.RunIn(_ours, "vpn", "down", "stv0", "--run-dir", run).ExitCode);
        Assert.Equal(0, SharptunProcess.RunIn(_go, "vpn", "down", "stv1", "--run-dir", goRun).ExitCode);
        Assert.Equal(0, clientUp.WaitForExit(TimeSpan.FromSeconds(15)));
        Assert.Equal(0, serverUp.WaitForExit(TimeSpan.FromSeconds(15)));
    }

    private string WriteConfiguration(string name, string text)
    {
        var path = Path.Combine(_files.FullName, name);
        File.WriteAllText(path, text);
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        return path;
    }

    private void StartWireGuardGo()
    {
        _wireguardGo = WireGuardGoProcess.Start(_go, "wgo0");
        _wireguardGo.Set(["private-key", _wireguardGo.KeyFile(_goKey), "listen-port", "51820",
            "peer", _ourKey.DerivePublic().ToString(), "allowed-ips", $"{OurTunnel}/32", "endpoint", $"{OurUnderlay}:51821"]);
        _go.Ip($"addr add {GoTunnel}/24 dev wgo0");
        _go.Ip("link set wgo0 mtu 1420 up");
    }
}
