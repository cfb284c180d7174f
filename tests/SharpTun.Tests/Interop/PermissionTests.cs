using System.Net;
using SharpTun.Host;
using SharpTun.Interop;
using SharpTun.TestSupport;
using SharpTun.Tun;

namespace SharpTun.Tests.Interop;

/// <summary>What a caller without CAP_NET_ADMIN sees (the capability is dropped on the test thread only).</summary>
public sealed class PermissionTests
{
    [Fact]
    public void CreateTun_WithoutNetAdmin_ThrowsEpermSayingRunAsRoot()
    {
        using var ns = TestNamespace.Create();
        ns.RunInside(() =>
        {
            ThreadCapabilities.DropEffective(ThreadCapabilities.NetAdmin);
            var error = Assert.Throws<InteropException>(() => LinuxTunDevice.Create(new TunOptions { Name = "st0" }));
            Assert.Equal(Errno.EPERM, error.Errno);
            Assert.StartsWith("TUNSETIFF 'st0': Operation not permitted (EPERM) (run as root or grant CAP_NET_ADMIN", error.Message);
        });
    }

    [Fact]
    public void AddRoute_WithoutNetAdmin_ThrowsEpermSayingRunAsRoot()
    {
        using var ns = TestNamespace.Create();
        ns.RunInside(() =>
        {
            using var netlink = RtNetlink.Open();
            ThreadCapabilities.DropEffective(ThreadCapabilities.NetAdmin);
            var error = Assert.Throws<InteropException>(() => netlink.AddRoute(new Route { Destination = IPNetwork.Parse("10.9.0.0/16"), Device = "lo", Table = 100 }));
            Assert.Equal("RTM_NEWROUTE 10.9.0.0/16 dev lo table 100: Operation not permitted (EPERM) (run as root or grant CAP_NET_ADMIN)", error.Message);
        });
    }
}
