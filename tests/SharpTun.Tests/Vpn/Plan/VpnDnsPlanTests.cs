using System.Net;
using SharpTun.Host.Resolver;
using SharpTun.Vpn.Config;
using SharpTun.Vpn.Plan;
using static SharpTun.Tests.Vpn.Config.TestKeys;

namespace SharpTun.Tests.Vpn.Plan;

/// <summary>Which way <c>vpn up</c> applies DNS on which host, and the commands it shows for it.</summary>
public sealed class VpnDnsPlanTests
{
    private const string Resolvconf = "/usr/sbin/resolvconf", Resolvectl = "/usr/bin/resolvectl";

    private static readonly ResolverSetup PlainFile = new();

    private static readonly ResolverSetup SystemdResolved = new()
    {
        ResolvConf = ResolvConfSetup.Symlink,
        ResolvConfTarget = "/run/systemd/resolve/stub-resolv.conf",
        Resolvectl = Resolvectl,
    };

    private static VpnConfiguration Client(string dns, string allowedIps = "0.0.0.0/0, ::/0") => VpnConfigurationParser.Parse($"""
        [Interface]
        PrivateKey = {AlicePrivate}
        Address = 10.2.0.2/32
        {dns}
        [Peer]
        PublicKey = {ServerPublic}
        AllowedIPs = {allowedIps}
        Endpoint = 185.159.157.10:51820
        """, "stv0", "stv0.conf");

    public static TheoryData<string, ResolverSetup, VpnDnsBackend> Hosts => new()
    {
        { "plain Debian: a file, no tools", PlainFile, VpnDnsBackend.ResolvConfFile },
        { "no resolv.conf at all", new ResolverSetup { ResolvConf = ResolvConfSetup.Missing }, VpnDnsBackend.ResolvConfFile },
        { "resolvconf installed", new ResolverSetup { Resolvconf = Resolvconf }, VpnDnsBackend.Resolvconf },
        { "systemd-resolved's stub", SystemdResolved, VpnDnsBackend.SystemdResolved },
        { "resolved's stub and resolvconf (systemd's compatibility link)", SystemdResolved with { Resolvconf = Resolvconf }, VpnDnsBackend.SystemdResolved },
        { "resolvectl installed but resolv.conf a plain file", PlainFile with { Resolvectl = Resolvectl }, VpnDnsBackend.ResolvConfFile },
        { "resolvectl installed, NetworkManager's resolv.conf", PlainFile with { ResolvConf = ResolvConfSetup.Symlink, ResolvConfTarget = "/run/NetworkManager/resolv.conf", Resolvectl = Resolvectl }, VpnDnsBackend.ResolvConfFile },
        { "resolved's stub seen from another network namespace", SystemdResolved with { InInitNetworkNamespace = false }, VpnDnsBackend.ResolvConfFile },
        { "resolved's stub from another namespace, resolvconf installed", SystemdResolved with { InInitNetworkNamespace = false, Resolvconf = Resolvconf }, VpnDnsBackend.Resolvconf },
        { "a container's bind mount, whatever is installed", new ResolverSetup { ResolvConf = ResolvConfSetup.BindMount, Resolvconf = Resolvconf, Resolvectl = Resolvectl }, VpnDnsBackend.ResolvConfFile },
    };

    [Theory]
    [MemberData(nameof(Hosts))]
    public void ChooseBackend_FollowsWhatManagesTheResolver(string host, ResolverSetup setup, VpnDnsBackend expected) =>
        Assert.True(VpnDnsPlan.ChooseBackend(setup) == expected, $"{host}: {VpnDnsPlan.ChooseBackend(setup)}, expected {expected}");

    [Fact]
    public void Create_NoDns_NoStepAndNoNote()
    {
        var notes = new List<string>();

        Assert.Null(VpnDnsPlan.Create(Client(""), PlainFile, notes));
        Assert.Empty(notes);
    }

    [Fact]
    public void Create_SearchDomainsWithoutServers_NoStepButANote()
    {
        var notes = new List<string>();

        Assert.Null(VpnDnsPlan.Create(Client("DNS = corp.example"), PlainFile, notes));
        Assert.Equal("DNS search domains (corp.example) without a DNS server are not applied (as with wg-quick)", Assert.Single(notes));
    }

    [Fact]
    public void Describe_Resolvconf_IsWgQuicksCommand()
    {
        var plan = VpnDnsPlan.Create(Client("DNS = 10.2.0.1, fd00::53, corp.example"), new ResolverSetup { Resolvconf = Resolvconf, ResolvconfInterfacePrefix = "tun." }, [])!;

        Assert.Equal("tun.stv0", plan.ResolvconfRecord);
        Assert.Equal(Resolvconf, plan.Program);
        Assert.Equal([@"printf 'nameserver 10.2.0.1\nnameserver fd00::53\nsearch corp.example\n' | resolvconf -a tun.stv0 -m 0 -x"], plan.Describe());
    }

    [Fact]
    public void Describe_SystemdResolvedWithAllTraffic_RoutesEveryQueryToTheTunnel()
    {
        var plan = VpnDnsPlan.Create(Client("DNS = 10.2.0.1, corp.example"), SystemdResolved, [])!;

        Assert.True(plan.RouteAllQueries);
        Assert.Equal(["~.", "corp.example"], plan.ResolvedDomains);
        Assert.Equal(
            ["resolvectl dns stv0 10.2.0.1", "resolvectl domain stv0 '~.' corp.example    # ~.: every query goes to the tunnel's servers, as all traffic does"],
            plan.Describe());
    }

    [Fact]
    public void Describe_SystemdResolvedSplitTunnel_OnlyTheSearchDomains()
    {
        var plan = VpnDnsPlan.Create(Client("DNS = 10.2.0.1, corp.example", allowedIps: "10.0.0.0/8"), SystemdResolved, [])!;

        Assert.False(plan.RouteAllQueries);
        Assert.Equal(["resolvectl dns stv0 10.2.0.1", "resolvectl domain stv0 corp.example"], plan.Describe());
    }

    [Fact]
    public void Describe_SystemdResolvedServersOnlySplitTunnel_SetsNoDomains()
    {
        var plan = VpnDnsPlan.Create(Client("DNS = 10.2.0.1", allowedIps: "10.0.0.0/8"), SystemdResolved, [])!;

        Assert.Equal(["resolvectl dns stv0 10.2.0.1"], plan.Describe());
    }

    [Fact]
    public void Describe_FileBehindASymlink_SaysTheSymlinkComesBack()
    {
        var setup = PlainFile with { ResolvConf = ResolvConfSetup.Symlink, ResolvConfTarget = "/run/NetworkManager/resolv.conf" };

        var plan = VpnDnsPlan.Create(Client("DNS = 10.2.0.1"), setup, [])!;

        Assert.Equal(VpnDnsBackend.ResolvConfFile, plan.Backend);
        Assert.Null(plan.Program);
        Assert.Equal(
            [@"printf 'nameserver 10.2.0.1\n' > /etc/resolv.conf    # replaced atomically (no resolvconf or resolvectl here); the symlink to /run/NetworkManager/resolv.conf comes back on down"],
            plan.Describe());
    }

    [Fact]
    public void Describe_BindMount_SaysItIsRewrittenInPlace()
    {
        var plan = VpnDnsPlan.Create(Client("DNS = 10.2.0.1"), new ResolverSetup { ResolvConf = ResolvConfSetup.BindMount }, [])!;

        Assert.Equal(
            [@"printf 'nameserver 10.2.0.1\n' > /etc/resolv.conf    # a bind mount (a container's or ip netns exec's), so rewritten in place, as rename cannot replace it; the original comes back on down"],
            plan.Describe());
    }

    [Fact]
    public void Create_MoreServersThanTheCLibraryReads_Notes()
    {
        var notes = new List<string>();

        VpnDnsPlan.Create(Client("DNS = 10.0.0.1, 10.0.0.2, 10.0.0.3, 10.0.0.4"), PlainFile, notes);

        Assert.Equal("only the first 3 DNS servers are used: the C library reads no more from resolv.conf", Assert.Single(notes));
    }

    [Fact]
    public void Create_NetworkNamespaceSharingTheHostsResolvConf_Notes()
    {
        var notes = new List<string>();

        VpnDnsPlan.Create(Client("DNS = 10.0.0.1"), PlainFile with { InInitNetworkNamespace = false }, notes);

        Assert.StartsWith("this network namespace shares /etc/resolv.conf with the host", Assert.Single(notes));
    }

    [Fact]
    public void CheckApplicable_ResolvConfIsADirectory_RefusesNamingTheProblem()
    {
        var directory = Directory.CreateTempSubdirectory("sharptun-dns-");
        try
        {
            var path = Directory.CreateDirectory(Path.Combine(directory.FullName, "resolv.conf")).FullName;
            var plan = VpnDnsPlan.Create(Client("DNS = 10.2.0.1"), PlainFile with { ResolvConfPath = path }, [])!;

            var error = Assert.Throws<InvalidOperationException>(plan.CheckApplicable);

            Assert.StartsWith($"cannot apply the DNS servers of stv0 (10.2.0.1): {path} is neither a file nor a symlink", error.Message);
            Assert.EndsWith($"remove DNS from the configuration (and set the resolver up yourself), or make {path} writable", error.Message);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [Fact]
    public void CheckApplicable_DirectoryMissing_RefusesWithTheErrno()
    {
        var path = Path.Combine(Path.GetTempPath(), "sharptun-no-such-directory", "resolv.conf");
        var plan = VpnDnsPlan.Create(Client("DNS = 10.2.0.1"), PlainFile with { ResolvConfPath = path }, [])!;

        var error = Assert.Throws<InvalidOperationException>(plan.CheckApplicable);

        Assert.Contains($"{Path.GetDirectoryName(path)} is not writable: No such file or directory (ENOENT)", error.Message);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void CheckApplicable_ResolvConfOfAnotherVpn_RefusedWhileThatProcessRuns(bool running)
    {
        var directory = Directory.CreateTempSubdirectory("sharptun-dns-");
        using var other = running ? System.Diagnostics.Process.Start("sleep", "30") : null;
        try
        {
            var path = Path.Combine(directory.FullName, "resolv.conf");
            var pid = other?.Id ?? int.MaxValue; // no such process
            File.WriteAllText(path, ResolvConfContent.File("stv1", pid, [IPAddress.Parse("10.9.0.1")], []));
            var plan = VpnDnsPlan.Create(Client("DNS = 10.2.0.1"), PlainFile with { ResolvConfPath = path }, [])!;

            if (running)
            {
                var error = Assert.Throws<InvalidOperationException>(plan.CheckApplicable);
                Assert.Contains($"{path} holds the DNS servers of the VPN interface stv1 (sharptun, pid {pid}); without resolvconf or systemd-resolved there is room for one VPN's DNS at a time: take stv1 down first", error.Message);
            }
            else
            {
                plan.CheckApplicable(); // a dead writer's file is not in the way
            }
        }
        finally
        {
            other?.Kill();
            directory.Delete(recursive: true);
        }
    }

    [Fact]
    public void CheckApplicable_ManagedByATool_ChecksNoFile()
    {
        var plan = VpnDnsPlan.Create(Client("DNS = 10.2.0.1"), SystemdResolved with { ResolvConfPath = "/nonexistent/resolv.conf" }, [])!;

        plan.CheckApplicable();
    }

    [Fact]
    public void Create_Addresses_AreKeptInFileOrder()
    {
        var plan = VpnDnsPlan.Create(Client("DNS = fd00::53, 10.2.0.1\nDNS = 10.2.0.2, b.example, a.example"), PlainFile, [])!;

        Assert.Equal([IPAddress.Parse("fd00::53"), IPAddress.Parse("10.2.0.1"), IPAddress.Parse("10.2.0.2")], plan.Servers);
        Assert.Equal(["b.example", "a.example"], plan.SearchDomains);
    }
}
