using System.Net;
using System.Net.Sockets;
using SharpTun.Host;
using SharpTun.Interop;
using SharpTun.TestSupport;
using SharpTun.Tun;

namespace SharpTun.Tests.Host;

public sealed class RtNetlinkTests
{
    /// <summary>A namespace with a veth pair st0/st0peer, both up.</summary>
    private static TestNamespace CreateWithVeth()
    {
        var ns = TestNamespace.Create();
        ns.Ip("link add st0 type veth peer name st0peer");
        ns.Ip("link set st0 up");
        ns.Ip("link set st0peer up");
        return ns;
    }

    [Fact]
    public void AddAddress_Ipv4_ShowsInIpAndDeleteRemovesIt()
    {
        using var ns = CreateWithVeth();
        ns.RunInside(() =>
        {
            using var netlink = RtNetlink.Open();
            netlink.AddAddress("st0", InterfaceAddress.Parse("10.0.0.1/24"));
            Assert.Contains("inet 10.0.0.1/24", ns.Ip("addr show st0"));
            netlink.DeleteAddress("st0", InterfaceAddress.Parse("10.0.0.1/24"));
            Assert.DoesNotContain("10.0.0.1", ns.Ip("addr show st0"));
        });
    }

    [Fact]
    public void AddAddress_Ipv6_IsNoDadSoNeverTentative()
    {
        using var ns = CreateWithVeth();
        ns.RunInside(() =>
        {
            using var netlink = RtNetlink.Open();
            netlink.AddAddress("st0", InterfaceAddress.Parse("fd00:5::1/64"));
            var shown = ns.Ip("-6 -o addr show st0").Split('\n').Single(line => line.Contains("inet6 fd00:5::1/64"));
            Assert.Contains("nodad", shown);
            Assert.DoesNotContain("tentative", shown);
            netlink.DeleteAddress("st0", InterfaceAddress.Parse("fd00:5::1/64"));
            Assert.DoesNotContain("fd00:5::1", ns.Ip("-6 addr show st0"));
        });
    }

    [Fact]
    public void AddAddress_Duplicate_ThrowsEexistNamingAddressAndLink()
    {
        using var ns = CreateWithVeth();
        ns.RunInside(() =>
        {
            using var netlink = RtNetlink.Open();
            netlink.AddAddress("st0", InterfaceAddress.Parse("10.0.0.1/24"));
            var error = Assert.Throws<InteropException>(() => netlink.AddAddress("st0", InterfaceAddress.Parse("10.0.0.1/24")));
            Assert.Equal(Errno.EEXIST, error.Errno);
            Assert.StartsWith("RTM_NEWADDR 10.0.0.1/24 on st0: File exists (EEXIST)", error.Message);
        });
    }

    [Fact]
    public void DeleteAddress_NotThere_ThrowsEaddrnotavail()
    {
        using var ns = CreateWithVeth();
        ns.RunInside(() =>
        {
            using var netlink = RtNetlink.Open();
            var error = Assert.Throws<InteropException>(() => netlink.DeleteAddress("st0", InterfaceAddress.Parse("10.0.0.1/24")));
            Assert.Equal(Errno.EADDRNOTAVAIL, error.Errno);
        });
    }

    [Fact]
    public void AddAddress_NoSuchLink_ThrowsEnodevWithHint()
    {
        using var ns = TestNamespace.Create();
        ns.RunInside(() =>
        {
            using var netlink = RtNetlink.Open();
            var error = Assert.Throws<InteropException>(() => netlink.AddAddress("nope0", InterfaceAddress.Parse("10.0.0.1/24")));
            Assert.Equal("RTM_GETLINK nope0: No such device (ENODEV) (no such interface in this network namespace; check 'ip link')", error.Message);
        });
    }

    [Fact]
    public void AddRoute_SeparateTables_ShowInThoseTablesAndDeleteRemovesThem()
    {
        using var ns = CreateWithVeth();
        ns.Ip("addr add 10.0.0.1/24 dev st0");
        ns.RunInside(() =>
        {
            using var netlink = RtNetlink.Open();
            var viaDevice = new Route { Destination = IPNetwork.Parse("10.9.0.0/16"), Device = "st0", Table = 100 };
            var viaGateway = new Route { Destination = IPNetwork.Parse("0.0.0.0/0"), Gateway = IPAddress.Parse("10.0.0.2"), Table = 1000, Metric = 7 };
            netlink.AddRoute(viaDevice);
            netlink.AddRoute(viaGateway);
            Assert.Contains("10.9.0.0/16 dev st0 proto static scope link", ns.Ip("route show table 100"));
            Assert.Contains("default via 10.0.0.2 dev st0 proto static metric 7", ns.Ip("route show table 1000"));
            Assert.DoesNotContain("10.9.0.0", ns.Ip("route show table main"));

            netlink.DeleteRoute(viaDevice);
            netlink.DeleteRoute(viaGateway);
            Assert.Equal("", ns.Ip("route show table 100"));
            Assert.Equal("", ns.Ip("route show table 1000"));
        });
    }

    [Fact]
    public void AddRoute_Ipv6_ShowsInTable()
    {
        using var ns = CreateWithVeth();
        ns.RunInside(() =>
        {
            using var netlink = RtNetlink.Open();
            netlink.AddRoute(new Route { Destination = IPNetwork.Parse("fd00:9::/48"), Device = "st0", Table = 100 });
            Assert.Contains("fd00:9::/48 dev st0 proto static", ns.Ip("-6 route show table 100"));
        });
    }

    [Fact]
    public void AddRoute_Duplicate_ThrowsEexist_AndDeleteMissing_ThrowsEsrch()
    {
        using var ns = CreateWithVeth();
        ns.RunInside(() =>
        {
            using var netlink = RtNetlink.Open();
            var route = new Route { Destination = IPNetwork.Parse("10.9.0.0/16"), Device = "st0", Table = 100 };
            netlink.AddRoute(route);
            var duplicate = Assert.Throws<InteropException>(() => netlink.AddRoute(route));
            Assert.StartsWith("RTM_NEWROUTE 10.9.0.0/16 dev st0 table 100: File exists (EEXIST)", duplicate.Message);
            netlink.DeleteRoute(route);
            var missing = Assert.Throws<InteropException>(() => netlink.DeleteRoute(route));
            Assert.Equal(Errno.ESRCH, missing.Errno);
        });
    }

    [Fact]
    public void AddRule_FwMarkV4_ShowsInIpRuleAndDeleteRemovesIt()
    {
        using var ns = TestNamespace.Create();
        ns.RunInside(() =>
        {
            using var netlink = RtNetlink.Open();
            var rule = new RoutingRule { Priority = 1000, FwMark = 0x77, FwMask = 0xff, Table = 100 };
            netlink.AddRule(rule);
            Assert.Contains("1000:\tfrom all fwmark 0x77/0xff lookup 100", ns.Ip("rule"));
            netlink.DeleteRule(rule);
            Assert.DoesNotContain("1000:", ns.Ip("rule"));
        });
    }

    [Fact]
    public void AddRule_V6InvertedWithSuppressAndIif_ShowsInIpRule()
    {
        using var ns = TestNamespace.Create();
        ns.RunInside(() =>
        {
            using var netlink = RtNetlink.Open();
            netlink.AddRule(new RoutingRule { Family = AddressFamily.InterNetworkV6, Priority = 1001, FwMark = 0x1, Invert = true, Table = 2000 });
            netlink.AddRule(new RoutingRule { Family = AddressFamily.InterNetworkV6, Priority = 1002, Table = 254, SuppressPrefixLength = 0 });
            netlink.AddRule(new RoutingRule { Priority = 1003, InputInterface = "lo", Table = 254 });
            var rules = ns.Ip("-6 rule");
            Assert.Contains("1001:\tnot from all fwmark 0x1 lookup 2000", rules);
            Assert.Contains("1002:\tfrom all lookup main suppress_prefixlength 0", rules);
            Assert.Contains("1003:\tfrom all iif lo lookup main", ns.Ip("rule"));
        });
    }

    [Fact]
    public void AddRule_Duplicate_ThrowsEexist_AndDeleteMissing_ThrowsEnoent()
    {
        using var ns = TestNamespace.Create();
        ns.RunInside(() =>
        {
            using var netlink = RtNetlink.Open();
            var rule = new RoutingRule { Priority = 1000, FwMark = 0x77, Table = 100 };
            netlink.AddRule(rule);
            var duplicate = Assert.Throws<InteropException>(() => netlink.AddRule(rule));
            Assert.StartsWith("RTM_NEWRULE priority 1000 fwmark 0x77 lookup 100: File exists (EEXIST)", duplicate.Message);
            netlink.DeleteRule(rule);
            Assert.Equal(Errno.ENOENT, Assert.Throws<InteropException>(() => netlink.DeleteRule(rule)).Errno);
        });
    }

    [Fact]
    public void SetMtuAndLinkUp_OnTun_ShowInIp()
    {
        using var ns = TestNamespace.Create();
        ns.RunInside(() =>
        {
            using var device = LinuxTunDevice.Create(new TunOptions { Name = "st0" });
            using var netlink = RtNetlink.Open();
            netlink.SetMtu("st0", 9000);
            netlink.SetLinkUp("st0", true);
            var link = netlink.GetLink("st0");
            Assert.Equal(9000, link.Mtu);
            Assert.True(link.IsUp);
            Assert.Contains("mtu 9000", ns.Ip("link show st0"));
            netlink.SetLinkUp("st0", false);
            Assert.False(netlink.GetLink("st0").IsUp);
        });
    }

    [Theory]
    [InlineData(20, "mtu less than device minimum")]
    [InlineData(70000, "mtu greater than device maximum")]
    public void SetMtu_OutOfRangeOnTun_ThrowsEinvalGivingTheRange(int mtu, string kernelMessage)
    {
        using var ns = TestNamespace.Create();
        ns.RunInside(() =>
        {
            using var device = LinuxTunDevice.Create(new TunOptions { Name = "st0" });
            using var netlink = RtNetlink.Open();
            var error = Assert.Throws<InteropException>(() => netlink.SetMtu("st0", mtu));
            Assert.Equal(Errno.EINVAL, error.Errno);
            Assert.Equal($"RTM_SETLINK st0 mtu {mtu}: Invalid argument (EINVAL): {kernelMessage} (st0 accepts an MTU from 68 to 65535)", error.Message);
        });
    }

    [Fact]
    public void FindLink_Tun_ReportsKindAndTunFlags()
    {
        using var ns = TestNamespace.Create();
        ns.RunInside(() =>
        {
            using var device = LinuxTunDevice.Create(new TunOptions { Name = "st0", Queues = 2, Persist = true });
            using var netlink = RtNetlink.Open();
            var link = netlink.FindLink("st0");
            Assert.NotNull(link);
            Assert.Equal(device.IfIndex, link.Index);
            Assert.Equal("tun", link.Kind);
            Assert.Equal(new TunLinkInfo(IsTap: false, MultiQueue: true, Persistent: true), link.Tun);
            Assert.Null(netlink.FindLink("nope0"));
            Assert.Null(netlink.FindLink("lo")!.Kind);
        });
    }

    [Fact]
    public void DeleteLink_PersistentTun_RemovesIt()
    {
        using var ns = TestNamespace.Create();
        ns.Ip("tuntap add dev st0 mode tun");
        ns.RunInside(() =>
        {
            using var netlink = RtNetlink.Open();
            netlink.DeleteLink("st0");
            Assert.Null(netlink.FindLink("st0"));
        });
    }

    [Fact]
    public void FindLink_OverlongName_ThrowsArgumentException()
    {
        using var netlink = RtNetlink.Open();
        Assert.Throws<ArgumentException>(() => netlink.FindLink(new string('x', 300)));
    }
    [Fact]
    public void GetRoute_AnswersLikeIpRouteGet_WithTheRouteMtu()
    {
        using var ns = CreateWithVeth();
        ns.Ip("addr add 10.0.0.1/24 dev st0");
        ns.Ip("route add default via 10.0.0.2 dev st0");
        ns.Ip("route add 192.0.2.0/24 via 10.0.0.2 dev st0 mtu 1300");
        ns.RunInside(() =>
        {
            using var netlink = RtNetlink.Open();
            var index = netlink.GetLink("st0").Index;

            Assert.Equal(new RouteLookup(index, IPAddress.Parse("10.0.0.2"), 1300), netlink.GetRoute(IPAddress.Parse("192.0.2.7")));
            Assert.Equal(new RouteLookup(index, IPAddress.Parse("10.0.0.2"), null), netlink.GetRoute(IPAddress.Parse("198.51.100.1")));
            Assert.Equal(new RouteLookup(index, null, null), netlink.GetRoute(IPAddress.Parse("10.0.0.9")));
            Assert.Equal("st0", netlink.FindLink(index)!.Name);
        });
    }

    [Fact]
    public void GetRoute_Unreachable_ReturnsNull()
    {
        using var ns = CreateWithVeth();
        ns.RunInside(() =>
        {
            using var netlink = RtNetlink.Open();
            Assert.Null(netlink.GetRoute(IPAddress.Parse("203.0.113.1")));
            Assert.Null(netlink.GetRoute(IPAddress.Parse("2001:db8::1")));
        });
    }

    [Fact]
    public void FindDefaultRoute_PicksTheLowestMetricInMain()
    {
        using var ns = CreateWithVeth();
        ns.Ip("addr add 10.0.0.1/24 dev st0");
        ns.Ip("route add default via 10.0.0.2 dev st0 metric 100");
        ns.Ip("route add default via 10.0.0.3 dev st0 metric 50 mtu 1400");
        ns.Ip("route add default via 10.0.0.4 dev st0 table 7");
        ns.RunInside(() =>
        {
            using var netlink = RtNetlink.Open();
            var index = netlink.GetLink("st0").Index;

            Assert.Equal(new RouteLookup(index, IPAddress.Parse("10.0.0.3"), 1400), netlink.FindDefaultRoute(AddressFamily.InterNetwork));
            Assert.Null(netlink.FindDefaultRoute(AddressFamily.InterNetworkV6));
        });
    }

    [Fact]
    public void FindLink_UnknownIndex_ReturnsNull()
    {
        using var ns = CreateWithVeth();
        ns.RunInside(() =>
        {
            using var netlink = RtNetlink.Open();
            Assert.Null(netlink.FindLink(987654));
            Assert.Equal("lo", netlink.FindLink(1)!.Name);
        });
    }
}
