using System.Net;
using System.Net.Sockets;
using SharpTun.Host;
using SharpTun.Host.Resolver;
using SharpTun.Vpn.Config;
using SharpTun.Vpn.Plan;
using static SharpTun.Tests.Vpn.Config.TestKeys;

namespace SharpTun.Tests.Vpn.Plan;

public sealed class VpnHostPlannerTests
{
    private static readonly VpnUnderlayMtu Ethernet = new(1500, "route to 185.159.157.10 via eth0");

    /// <summary>A plain /etc/resolv.conf and no resolver manager, as on this Debian machine.</summary>
    private static readonly ResolverSetup PlainResolver = new();

    private static VpnConfiguration Parse(string text) => VpnConfigurationParser.Parse(text, "stv0", "stv0.conf");

    private static VpnConfiguration Client(string allowedIps, string extra = "") => Parse($"""
        [Interface]
        PrivateKey = {AlicePrivate}
        Address = 10.2.0.2/32, fc00:bbbb:bbbb:bb01::2/128
        {extra}
        [Peer]
        PublicKey = {ServerPublic}
        AllowedIPs = {allowedIps}
        Endpoint = 185.159.157.10:51820
        """);

    private static IPNetwork Net(string text) => IPNetwork.Parse(text);

    [Fact]
    public void Create_FullTunnelClient_UsesWgQuickPolicyRouting()
    {
        var plan = VpnHostPlanner.Create(Client("0.0.0.0/0, ::/0"), Ethernet, PlainResolver);

        Assert.Equal("stv0", plan.Interface);
        Assert.Equal([InterfaceAddress.Parse("10.2.0.2/32"), InterfaceAddress.Parse("fc00:bbbb:bbbb:bb01::2/128")], plan.Addresses);
        Assert.Equal(1420, plan.Mtu);
        Assert.Equal("1500 of the route to 185.159.157.10 via eth0, minus 80", plan.MtuReason);
        Assert.Equal(
            [new Route { Destination = Net("0.0.0.0/0"), Device = "stv0", Table = 51820 }, new Route { Destination = Net("::/0"), Device = "stv0", Table = 51820 }],
            plan.Routes);
        Assert.Equal(
            [
                new RoutingRule { Family = AddressFamily.InterNetwork, Priority = 32765, FwMark = 51820, Invert = true, Table = 51820 },
                new RoutingRule { Family = AddressFamily.InterNetwork, Priority = 32764, Table = 254, SuppressPrefixLength = 0 },
                new RoutingRule { Family = AddressFamily.InterNetworkV6, Priority = 32765, FwMark = 51820, Invert = true, Table = 51820 },
                new RoutingRule { Family = AddressFamily.InterNetworkV6, Priority = 32764, Table = 254, SuppressPrefixLength = 0 },
            ],
            plan.Rules);
        Assert.Equal(51820u, plan.FirewallMark);
        Assert.Equal("net.ipv4.conf.all.src_valid_mark", Assert.Single(plan.Sysctls).Name);
        Assert.Equal("inet", plan.Firewall!.Family);
        Assert.Equal("sharptun_stv0", plan.Firewall.Name);
        Assert.Contains("iifname != \"stv0\" ip daddr 10.2.0.2 fib saddr type != local drop", plan.Firewall.Body);
        Assert.Contains("iifname != \"stv0\" ip6 daddr fc00:bbbb:bbbb:bb01::2 fib saddr type != local drop", plan.Firewall.Body);
        Assert.Contains("meta l4proto udp meta mark set ct mark", plan.Firewall.Body);
        Assert.Contains("meta l4proto udp meta mark 0xca6c ct mark set meta mark", plan.Firewall.Body);
        Assert.Contains("oifname \"stv0\" tcp flags syn tcp option maxseg size set rt mtu", plan.Firewall.Body);
        Assert.Empty(plan.Notes);
    }

    [Fact]
    public void Create_Ipv4OnlyDefault_PolicyRoutesIpv4AndRoutesTheRest()
    {
        var plan = VpnHostPlanner.Create(Client("0.0.0.0/0, fd00:1::/64"), Ethernet, PlainResolver);

        Assert.Equal(
            [new Route { Destination = Net("fd00:1::/64"), Device = "stv0" }, new Route { Destination = Net("0.0.0.0/0"), Device = "stv0", Table = 51820 }],
            plan.Routes);
        Assert.All(plan.Rules, rule => Assert.Equal(AddressFamily.InterNetwork, rule.Family));
        Assert.DoesNotContain("ip6 daddr", plan.Firewall!.Body);
    }

    [Fact]
    public void Create_Ipv6OnlyDefault_NeedsNoSrcValidMark()
    {
        var plan = VpnHostPlanner.Create(Client("::/0"), Ethernet, PlainResolver);

        Assert.Equal(2, plan.Rules.Count);
        Assert.All(plan.Rules, rule => Assert.Equal(AddressFamily.InterNetworkV6, rule.Family));
        Assert.Empty(plan.Sysctls);
    }

    [Fact]
    public void Create_ExplicitFwMark_IsAlsoTheTable()
    {
        var plan = VpnHostPlanner.Create(Client("0.0.0.0/0", "FwMark = 0x1234"), Ethernet, PlainResolver);

        Assert.Equal(0x1234u, plan.FirewallMark);
        Assert.Equal(0x1234u, plan.Routes.Single().Table);
        Assert.Equal(0x1234u, plan.Rules[0].FwMark);
        Assert.Equal(0x1234u, plan.Rules[0].Table);
        Assert.Contains("meta mark 0x1234 ct mark set meta mark", plan.Firewall!.Body);
    }

    [Fact]
    public void Create_SplitTunnel_RoutesLongestPrefixFirstInMain()
    {
        var plan = VpnHostPlanner.Create(Client("10.0.0.0/8, 10.1.2.0/24, 192.168.7.7/32, fd00::/48"), Ethernet, PlainResolver);

        Assert.Equal(["fd00::/48 dev stv0", "192.168.7.7/32 dev stv0", "10.1.2.0/24 dev stv0", "10.0.0.0/8 dev stv0"], plan.Routes.Select(r => r.ToString()));
        Assert.Empty(plan.Rules);
        Assert.Null(plan.FirewallMark);
        Assert.Empty(plan.Sysctls);
        Assert.DoesNotContain("preraw", plan.Firewall!.Body);
    }

    [Fact]
    public void Create_ServerWithPeersAndMasquerade_SkipsConnectedPrefixesAndNatsOutOfTheUplink()
    {
        var configuration = Parse($"""
            [Interface]
            PrivateKey = {ServerPrivate}
            Address = 10.8.0.1/24, fd42:42:42::1/64
            ListenPort = 51820
            Masquerade = eth0
            [Peer]
            PublicKey = {AlicePublic}
            AllowedIPs = 10.8.0.2/32, fd42:42:42::2/128
            [Peer]
            PublicKey = {BobPublic}
            AllowedIPs = 10.8.0.3/32, 192.168.50.0/24
            """);

        var plan = VpnHostPlanner.Create(configuration, VpnUnderlayMtu.Unknown, PlainResolver);

        Assert.Equal(1420, plan.Mtu);
        Assert.Equal("no route to an endpoint and no default route: 1500 minus 80", plan.MtuReason);
        Assert.Equal(["192.168.50.0/24 dev stv0"], plan.Routes.Select(r => r.ToString()));
        Assert.Empty(plan.Rules);
        Assert.Null(plan.FirewallMark);
        Assert.Equal(["sysctl -w net.ipv4.ip_forward=1", "sysctl -w net.ipv6.conf.all.forwarding=1"], plan.Sysctls.Select(s => s.ToString()));
        Assert.Contains("type nat hook postrouting priority srcnat; policy accept;", plan.Firewall!.Body);
        Assert.Contains("iifname \"stv0\" oifname \"eth0\" masquerade", plan.Firewall.Body);
        Assert.Contains("a firewall that drops forwarded packets must allow them itself", Assert.Single(plan.Notes));
    }

    [Fact]
    public void Create_MasqueradeIpv4Only_LeavesIpv6ForwardingAlone()
    {
        var plan = VpnHostPlanner.Create(Parse($"[Interface]\nPrivateKey = {ServerPrivate}\nAddress = 10.8.0.1/24\nMasquerade = eth0\n"), Ethernet, PlainResolver);

        Assert.Equal(["net.ipv4.ip_forward"], plan.Sysctls.Select(s => s.Name));
    }

    /// <summary>The VPN-gateway pattern: the client masquerades what its LAN sends into the tunnel.</summary>
    [Fact]
    public void Create_MasqueradeOnTheTunnelItself_NatsEverythingForwardedIntoIt()
    {
        var plan = VpnHostPlanner.Create(Client("0.0.0.0/0", "Masquerade = stv0"), Ethernet, PlainResolver);

        Assert.Contains("        oifname \"stv0\" masquerade\n", plan.Firewall!.Body);
    }

    [Fact]
    public void Create_TableOff_AddsNoRoutesOrRules()
    {
        var plan = VpnHostPlanner.Create(Client("0.0.0.0/0, 10.0.0.0/8", "Table = off"), Ethernet, PlainResolver);

        Assert.Empty(plan.Routes);
        Assert.Empty(plan.Rules);
        Assert.Empty(plan.Sysctls);
        Assert.Null(plan.FirewallMark);
        Assert.Contains("maxseg", plan.Firewall!.Body);
    }

    [Fact]
    public void Create_TableNumber_PutsEveryPrefixThereWithoutPolicyRouting()
    {
        var plan = VpnHostPlanner.Create(Client("0.0.0.0/0, 10.0.0.0/8", "Table = 1234"), Ethernet, PlainResolver);

        Assert.Equal(["10.0.0.0/8 dev stv0 table 1234", "0.0.0.0/0 dev stv0 table 1234"], plan.Routes.Select(r => r.ToString()));
        Assert.Empty(plan.Rules);
    }

    [Fact]
    public void Create_TableMain_SkipsTheConnectedSubnet()
    {
        var configuration = Parse($"[Interface]\nPrivateKey = {AlicePrivate}\nAddress = 10.8.0.2/24\nTable = main\n[Peer]\nPublicKey = {ServerPublic}\nAllowedIPs = 10.8.0.0/24, 0.0.0.0/0\n");

        var plan = VpnHostPlanner.Create(configuration, Ethernet, PlainResolver);

        Assert.Equal(["0.0.0.0/0 dev stv0"], plan.Routes.Select(r => r.ToString()));
    }

    [Theory]
    [InlineData(1500, "MTU = 1280", 1280)]
    [InlineData(1400, "", 1320)]
    [InlineData(9000, "", 8920)]
    [InlineData(100, "", 68)]
    public void Create_Mtu_ExplicitOrUnderlayMinus80(int underlay, string extra, int expected)
    {
        var plan = VpnHostPlanner.Create(Client("10.0.0.0/8", extra), new VpnUnderlayMtu(underlay, "route to x via eth0"), PlainResolver);

        Assert.Equal(expected, plan.Mtu);
    }

    [Fact]
    public void Create_TcpTransport_KeepsTheMarkOnTcpConnections()
    {
        var plan = VpnHostPlanner.Create(Client("0.0.0.0/0", "Transport = tcp"), Ethernet, PlainResolver);

        Assert.Contains("meta l4proto tcp meta mark set ct mark", plan.Firewall!.Body);
        Assert.Contains("meta l4proto tcp meta mark 0xca6c ct mark set meta mark", plan.Firewall.Body);
    }

    [Fact]
    public void Create_Dns_IsAppliedAfterTheLinkIsUpAndBeforeTheRoutes()
    {
        var plan = VpnHostPlanner.Create(Client("10.0.0.0/8", "DNS = 10.2.0.1, corp.example"), Ethernet, PlainResolver);

        Assert.Equal(VpnDnsBackend.ResolvConfFile, plan.Dns!.Backend);
        Assert.Empty(plan.Notes);
        var lines = plan.Describe();
        var link = lines.ToList().FindIndex(l => l.StartsWith("ip link set mtu", StringComparison.Ordinal));
        Assert.StartsWith(@"printf 'nameserver 10.2.0.1\nsearch corp.example\n' > /etc/resolv.conf    # ", lines[link + 1]);
        Assert.StartsWith("ip -4 route add 10.0.0.0/8", lines[link + 2]);
    }

    [Fact]
    public void Create_InterfaceNameNftCannotQuote_Throws()
    {
        var configuration = Client("10.0.0.0/8");
        var quoted = configuration with { Interface = configuration.Interface with { Masquerade = "a\"b" } };

        Assert.Throws<ArgumentException>(() => VpnHostPlanner.Create(quoted, Ethernet, PlainResolver));
    }

    [Fact]
    public void Create_AnyConfiguration_TheInterfaceGetsNoIpv6LinkLocalAddress()
    {
        var plan = VpnHostPlanner.Create(Client("10.0.0.0/8"), Ethernet, PlainResolver);

        var setting = Assert.Single(plan.InterfaceSysctls);
        Assert.Equal("net.ipv6.conf.stv0.addr_gen_mode", setting.Name);
        Assert.Equal("1", setting.Value);
    }

    [Theory]
    [InlineData("wg.home")]
    [InlineData("wg=1")]
    [InlineData("wg+1")]
    public void Create_NameASysctlCannotSpell_LeavesTheLinkLocalAddress(string name)
    {
        var plan = VpnHostPlanner.Create(Client("10.0.0.0/8") with { InterfaceName = name }, Ethernet, PlainResolver);

        Assert.Empty(plan.InterfaceSysctls);
    }

    [Fact]
    public void Describe_FullTunnelClient_PrintsTheEquivalentCommands()
    {
        var plan = VpnHostPlanner.Create(Client("0.0.0.0/0"), Ethernet, PlainResolver);

        Assert.Equal(
            [
                "sysctl -w net.ipv6.conf.stv0.addr_gen_mode=1    # no IPv6 link-local address, as on a WireGuard interface: the kernel's router solicitations would only go into the tunnel",
                "ip -4 address add 10.2.0.2/32 dev stv0",
                "ip -6 address add fc00:bbbb:bbbb:bb01::2/128 dev stv0",
                "ip link set mtu 1420 up dev stv0    # 1500 of the route to 185.159.157.10 via eth0, minus 80",
                "ip -4 route add 0.0.0.0/0 dev stv0 table 51820",
                "ip -4 rule add priority 32765 not fwmark 0xca6c lookup 51820",
                "ip -4 rule add priority 32764 lookup 254 suppress_prefixlength 0",
                "sysctl -w net.ipv4.conf.all.src_valid_mark=1    # replies to the tunnel's marked packets pass the reverse-path filter",
                "nft -f - <<'EOF'",
                "table inet sharptun_stv0 {",
                "    chain forward {",
                "        type filter hook forward priority mangle; policy accept;",
                "        oifname \"stv0\" tcp flags syn tcp option maxseg size set rt mtu",
                "        iifname \"stv0\" tcp flags syn tcp option maxseg size set rt mtu",
                "    }",
                "    chain preraw {",
                "        type filter hook prerouting priority raw; policy accept;",
                "        iifname != \"stv0\" ip daddr 10.2.0.2 fib saddr type != local drop",
                "    }",
                "    chain premangle {",
                "        type filter hook prerouting priority mangle; policy accept;",
                "        meta l4proto udp meta mark set ct mark",
                "    }",
                "    chain postmangle {",
                "        type filter hook postrouting priority mangle; policy accept;",
                "        meta l4proto udp meta mark 0xca6c ct mark set meta mark",
                "    }",
                "}",
                "EOF",
                "# the tunnel's own sockets carry fwmark 0xca6c",
            ],
            plan.Describe());
    }
}
