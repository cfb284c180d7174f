using SharpTun.Host.Resolver;

namespace SharpTun.Tests.Host.Resolver;

public sealed class ResolverSetupTests
{
    /// <summary>Debian's /etc/resolvconf/interface-order (resolvconf 1.91): "lo" has no star, so tun* is the first pattern.</summary>
    private const string DebianInterfaceOrder = """
        # interface-order(5)
        lo.inet6
        lo.inet
        lo.@(dnsmasq|pdnsd)
        lo.!(pdns|pdns-recursor)
        lo
        tun*
        tap*
        hso*
        em+([0-9])?(_+([0-9]))*
        p+([0-9])p+([0-9])?(_+([0-9]))*
        @(br|eth)*([^.]).inet6
        """;

    [Theory]
    [InlineData(DebianInterfaceOrder, "tun.")]
    [InlineData("  wg*  \nvpn*\n", "wg.")]
    [InlineData("lo.inet*\nlo\n", "")]
    [InlineData("", "")]
    public void InterfacePrefixFrom_FirstPlainNameStar_GivesTheRecordPrefix(string interfaceOrder, string prefix) =>
        Assert.Equal(prefix, ResolverSetupProbe.InterfacePrefixFrom(interfaceOrder));

    [Theory]
    [InlineData(ResolvConfSetup.Symlink, "/run/systemd/resolve/stub-resolv.conf", true)]
    [InlineData(ResolvConfSetup.Symlink, "/run/systemd/resolve/resolv.conf", true)]
    [InlineData(ResolvConfSetup.Symlink, "/usr/lib/systemd/resolv.conf", true)]
    [InlineData(ResolvConfSetup.Symlink, "/run/NetworkManager/resolv.conf", false)]
    [InlineData(ResolvConfSetup.Symlink, "/run/resolvconf/resolv.conf", false)]
    [InlineData(ResolvConfSetup.File, null, false)]
    public void ResolvConfIsSystemdResolved_OnlyForASymlinkToResolvedsFiles(ResolvConfSetup kind, string? target, bool expected) =>
        Assert.Equal(expected, new ResolverSetup { ResolvConf = kind, ResolvConfTarget = target }.ResolvConfIsSystemdResolved);
}
