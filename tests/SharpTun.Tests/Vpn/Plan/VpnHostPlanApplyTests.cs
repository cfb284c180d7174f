using System.Reflection;
using SharpTun.Host;
using SharpTun.Host.Resolver;
using SharpTun.Host.Journal;
using SharpTun.TestSupport;
using SharpTun.Tun;
using SharpTun.Vpn.Config;
using SharpTun.Vpn.Plan;
using static SharpTun.Tests.Vpn.Config.TestKeys;

namespace SharpTun.Tests.Vpn.Plan;

/// <summary>
/// The plan applied through <see cref="HostChanges"/> in namespaces the tests create: what the
/// kernel then does with the routes, rules and ruleset, and that undo (or cleanup after SIGKILL)
/// leaves the namespace exactly as it was.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class VpnHostPlanApplyTests : IDisposable
{
    private static readonly string FullTunnelClient = $"""
        [Interface]
        PrivateKey = {AlicePrivate}
        Address = 10.2.0.2/32, fc00:bbbb:bbbb:bb01::2/128
        [Peer]
        PublicKey = {ServerPublic}
        AllowedIPs = 0.0.0.0/0, ::/0
        Endpoint = 192.0.2.1:51820
        """;

    /// <summary>A plain /etc/resolv.conf and no resolver manager (the configurations here have no DNS).</summary>
    private static readonly ResolverSetup PlainResolver = new();

    private readonly DirectoryInfo _files = Directory.CreateTempSubdirectory("sharptun-vpn-plan-");

    public void Dispose() => _files.Delete(recursive: true);

    /// <summary>A namespace whose uplink eth0 (MTU 1400) has 192.0.2.2/24 and a default route, as a client machine would.</summary>
    private static TestNamespace CreateClientHost()
    {
        var ns = TestNamespace.Create();
        ns.Ip("link add eth0 mtu 1400 type veth peer name eth0peer");
        ns.Ip("link set eth0 up");
        ns.Ip("link set eth0peer up");
        ns.Ip("addr add 192.0.2.2/24 dev eth0");
        ns.Ip("-6 addr add 2001:db8::2/64 dev eth0 nodad");
        ns.Ip("route add default via 192.0.2.254");
        ns.WaitForIpv6Settled();
        return ns;
    }

    [Fact]
    public void Apply_FullTunnelClient_SendsAllButTheTunnelsOwnPacketsIntoTheTunnel_ThenUndoRestores()
    {
        using var ns = CreateClientHost();
        using var directory = new JournalTestDirectory();
        var before = NamespaceSnapshot.Take(ns);
        var configuration = VpnConfigurationParser.Parse(FullTunnelClient, "stv0", "stv0.conf");

        var report = ns.RunInside(() =>
        {
            using var changes = HostChanges.Open(directory.Path);
            using var netlink = RtNetlink.Open();
            var plan = VpnHostPlanner.Create(configuration, VpnUnderlayMtuProbe.Measure(netlink, [System.Net.IPAddress.Parse("192.0.2.1")]), PlainResolver);
            Assert.Equal("1400 of the route to 192.0.2.1 via eth0, minus 80", plan.MtuReason);
            using (changes.CreateTun(new TunOptions { Name = "stv0" }))
            {
                plan.Apply(changes);

                Assert.Contains("mtu 1320", ns.Ip("link show stv0"));
                Assert.Contains("inet 10.2.0.2/32", ns.Ip("addr show stv0"));
                // No link-local address (a TUN up with a reader would have one at once), as on a WireGuard interface.
                Assert.DoesNotContain("fe80", ns.Ip("-6 addr show stv0"));
                var rules = ns.Ip("rule");
                Assert.Contains("32764:\tfrom all lookup main suppress_prefixlength 0", rules);
                Assert.Contains("32765:\tnot from all fwmark 0xca6c lookup 51820", rules);
                Assert.Contains("32765:\tnot from all fwmark 0xca6c lookup 51820", ns.Ip("-6 rule"));
                Assert.Equal("default dev stv0 proto static scope link", ns.Ip("route show table 51820").Trim());
                // What policy routing is for: everything goes into the tunnel, except packets
                // carrying the tunnel's mark (its own UDP socket), and the uplink's own subnet.
                Assert.Contains("dev stv0", ns.Ip("route get 198.51.100.7"));
                Assert.Contains("via 192.0.2.254 dev eth0", ns.Ip("route get 198.51.100.7 mark 51820"));
                Assert.Contains("dev eth0", ns.Ip("route get 192.0.2.9"));
                Assert.Contains("dev stv0", ns.Ip("-6 route get 2001:db8:1::1"));
                Assert.Equal("1", ns.Exec("sysctl -n net.ipv4.conf.all.src_valid_mark").StandardOutput.Trim());
                var ruleset = ns.Exec("nft list ruleset").StandardOutput;
                Assert.Contains("table inet sharptun_stv0 {", ruleset);
                Assert.Contains("iifname != \"stv0\" ip daddr 10.2.0.2 fib saddr type != local drop", ruleset);
                Assert.Contains("meta mark 0x0000ca6c ct mark set meta mark", ruleset);
                Assert.Contains("tcp option maxseg size set rt mtu", ruleset);
                return changes.Undo();
            }
        });

        Assert.True(report.Succeeded, report.ToString());
        Assert.Equal(before, NamespaceSnapshot.Take(ns));
    }

    [Fact]
    public async Task Cleanup_AfterProbeWithVpnPlanKilled_RestoresTheNamespace()
    {
        using var ns = CreateClientHost();
        using var directory = new JournalTestDirectory();
        var before = NamespaceSnapshot.Take(ns);
        var file = Path.Combine(_files.FullName, "stv0.conf");
        File.WriteAllText(file, FullTunnelClient);

        using (var probe = ns.Start(HostChangeProbe.DotnetHost(), [HostChangeProbe.PathFor(typeof(VpnHostPlanApplyTests).Assembly), "--journal-dir", directory.Path, "--vpn", file]))
        {
            try
            {
                var line = await probe.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(60));
                Assert.True(line == "ready", $"probe said '{line}'");
                Assert.Contains("lookup 51820", ns.Ip("rule"));
            }
            finally
            {
                probe.Kill();
                probe.WaitForExit();
            }
        }

        var result = Assert.Single(OrphanCleanup.Run(directory.Path));

        Assert.True(result.Report.Succeeded, result.ToString());
        Assert.Equal(before, NamespaceSnapshot.Take(ns));
    }

    /// <summary>
    /// Masquerade, checked with real traffic and no VPN engine: a veth named like a tunnel stands
    /// in for it. The "internet" namespace has no route back to the tunnel subnet, so a ping gets
    /// an answer only when the server forwards and masquerades.
    /// </summary>
    [Fact]
    public void Apply_Masquerade_ForwardsAndNatsTunnelTrafficOutOfTheUplink()
    {
        using var server = TestNamespace.Create();
        using var peer = TestNamespace.Create();
        using var internet = TestNamespace.Create();
        using var directory = new JournalTestDirectory();
        Run.Checked($"ip link add stv0 netns {server.Name} type veth peer name tun0 netns {peer.Name}");
        Run.Checked($"ip link add eth0 netns {server.Name} type veth peer name eth0 netns {internet.Name}");
        server.Ip("addr add 203.0.113.1/24 dev eth0");
        server.Ip("link set eth0 up");
        internet.Ip("addr add 203.0.113.2/24 dev eth0");
        internet.Ip("link set eth0 up");
        peer.Ip("addr add 10.8.0.2/24 dev tun0");
        peer.Ip("link set tun0 up");
        peer.Ip("route add default via 10.8.0.1");
        // Up from the start, as a TUN the engine runs on would be; its qdisc changes on first up.
        server.Ip("link set stv0 up");
        server.WaitForIpv6Settled();
        var before = NamespaceSnapshot.Take(server);
        var configuration = VpnConfigurationParser.Parse(
            $"[Interface]\nPrivateKey = {ServerPrivate}\nAddress = 10.8.0.1/24\nMTU = 1500\nMasquerade = eth0\n[Peer]\nPublicKey = {AlicePublic}\nAllowedIPs = 10.8.0.2/32\n",
            "stv0", "stv0.conf");
        Assert.NotEqual(0, peer.Exec("ping -c 1 -W 1 203.0.113.2").ExitCode);

        var report = server.RunInside(() =>
        {
            using var changes = HostChanges.Open(directory.Path);
            VpnHostPlanner.Create(configuration, VpnUnderlayMtu.Unknown, PlainResolver).Apply(changes);

            var ping = peer.Exec("ping -c 1 -W 5 203.0.113.2");
            Assert.True(ping.ExitCode == 0, ping.ToString());
            Assert.Equal("1", server.Exec("sysctl -n net.ipv4.ip_forward").StandardOutput.Trim());
            Assert.Contains("iifname \"stv0\" oifname \"eth0\" masquerade", server.Exec("nft list ruleset").StandardOutput);
            return changes.Undo();
        });

        Assert.True(report.Succeeded, report.ToString());
        Assert.NotEqual(0, peer.Exec("ping -c 1 -W 1 203.0.113.2").ExitCode);
        Assert.Equal(before, NamespaceSnapshot.Take(server));
    }
}
