using SharpTun.Interop;
using SharpTun.TestSupport;
using SharpTun.Tun;

namespace SharpTun.Tests.Tun;

public sealed class LinuxTunDeviceTests
{
    [Fact]
    public void Create_InNamespace_IsTunWithIndex()
    {
        using var ns = TestNamespace.Create();
        ns.RunInside(() =>
        {
            using var device = LinuxTunDevice.Create(new TunOptions { Name = "st0" });
            Assert.Equal("st0", device.Name);
            Assert.Single(device.Queues);
            var details = ns.Ip("-d link show st0");
            Assert.Contains("tun type tun pi off", details);
            Assert.DoesNotContain("multi_queue", details);
            Assert.Contains($"{device.IfIndex}: st0:", details);
        });
    }

    [Fact]
    public void Create_FourQueues_SetsMultiQueue()
    {
        using var ns = TestNamespace.Create();
        ns.RunInside(() =>
        {
            using var device = LinuxTunDevice.Create(new TunOptions { Name = "st0", Queues = 4 });
            Assert.Equal(4, device.Queues.Count);
            Assert.Contains("multi_queue", ns.Ip("-d link show st0"));
        });
    }

    [Fact]
    public void Create_Pattern_ReadsBackRealName()
    {
        using var ns = TestNamespace.Create();
        ns.RunInside(() =>
        {
            using var first = LinuxTunDevice.Create(new TunOptions { Name = "stp%d" });
            using var second = LinuxTunDevice.Create(new TunOptions { Name = "stp%d", Queues = 2 });
            Assert.Equal("stp0", first.Name);
            Assert.Equal("stp1", second.Name);
            Assert.All(second.Queues, _ => Assert.Contains("stp1", ns.Ip("-d link show stp1")));
        });
    }

    [Fact]
    public void Dispose_NotPersistent_RemovesDevice()
    {
        using var ns = TestNamespace.Create();
        ns.RunInside(() =>
        {
            LinuxTunDevice.Create(new TunOptions { Name = "st0" }).Dispose();
            Assert.DoesNotContain("st0", ns.Ip("link show"));
        });
    }

    [Fact]
    public void Create_Persist_SurvivesDisposeUntilDeleted()
    {
        using var ns = TestNamespace.Create();
        ns.RunInside(() =>
        {
            LinuxTunDevice.Create(new TunOptions { Name = "st0", Persist = true, Owner = 1234, Group = 5678 }).Dispose();
            var details = ns.Ip("-d link show st0");
            Assert.Contains("persist on", details);
            Assert.Contains("user 1234 group 5678", details);
            LinuxTunDevice.Delete("st0");
            Assert.DoesNotContain("st0", ns.Ip("link show"));
        });
    }

    [Fact]
    public void Create_ExistingPersistentDevice_Attaches()
    {
        using var ns = TestNamespace.Create();
        ns.Ip("tuntap add dev st0 mode tun");
        ns.RunInside(() =>
        {
            using var device = LinuxTunDevice.Create(new TunOptions { Name = "st0" });
            Assert.Equal("st0", device.Name);
        });
        Assert.Contains("persist on", ns.Ip("-d link show st0"));
    }

    [Fact]
    public void Delete_AttachedDevice_RemovesItAndReaderSeesEbadfd()
    {
        using var ns = TestNamespace.Create();
        ns.RunInside(() =>
        {
            using var device = LinuxTunDevice.Create(new TunOptions { Name = "st0" });
            LinuxTunDevice.Delete("st0");
            Assert.DoesNotContain("st0", ns.Ip("link show"));
            var buffers = new[] { new PacketBuffer(2048) };
            var error = Assert.Throws<InteropException>(() => device.Queues[0].Read(buffers));
            Assert.Equal(Errno.EBADFD, error.Errno);
            Assert.Contains("deleted", error.Message);
        });
    }

    [Fact]
    public void Delete_NotATun_RefusesAndKeepsLink()
    {
        using var ns = TestNamespace.Create();
        ns.Ip("link add st0 type veth peer name st0peer");
        ns.RunInside(() =>
        {
            var error = Assert.Throws<ArgumentException>(() => LinuxTunDevice.Delete("st0"));
            Assert.Contains("'st0' is a veth link", error.Message);
        });
        Assert.Contains("st0", ns.Ip("link show"));
    }

    [Fact]
    public void Delete_Missing_ThrowsEnodev()
    {
        using var ns = TestNamespace.Create();
        ns.RunInside(() =>
        {
            var error = Assert.Throws<InteropException>(() => LinuxTunDevice.Delete("st0"));
            Assert.Equal(Errno.ENODEV, error.Errno);
            Assert.Contains("(ENODEV)", error.Message);
        });
    }

    [Theory]
    [InlineData("")]
    [InlineData("a/b")]
    [InlineData("has space")]
    [InlineData("st0:1")]
    [InlineData("sixteen-bytes-xx")]
    [InlineData("..")]
    [InlineData("st%s")]
    [InlineData("st%d%d")]
    public void Create_BadName_ThrowsArgumentExceptionBeforeKernel(string name)
    {
        var error = Assert.Throws<ArgumentException>(() => LinuxTunDevice.Create(new TunOptions { Name = name }));
        Assert.Contains("invalid interface name", error.Message);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(257)]
    public void Create_BadQueueCount_Throws(int queues) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => LinuxTunDevice.Create(new TunOptions { Name = "st0", Queues = queues }));

    [Fact]
    public void Create_NameOfExistingDummy_ThrowsEinvalNamingTheKind()
    {
        using var ns = TestNamespace.Create();
        ns.Ip("link add st0 type veth peer name st0peer");
        ns.RunInside(() =>
        {
            var error = Assert.Throws<InteropException>(() => LinuxTunDevice.Create(new TunOptions { Name = "st0" }));
            Assert.Equal(Errno.EINVAL, error.Errno);
            Assert.Contains("TUNSETIFF 'st0': Invalid argument (EINVAL)", error.Message);
            Assert.Contains("is a 'veth' device, not a TUN", error.Message);
        });
    }

    [Fact]
    public void Create_NameOfExistingTap_ThrowsEinvalSayingTap()
    {
        using var ns = TestNamespace.Create();
        ns.Ip("tuntap add dev st0 mode tap");
        ns.RunInside(() =>
        {
            var error = Assert.Throws<InteropException>(() => LinuxTunDevice.Create(new TunOptions { Name = "st0" }));
            Assert.Equal(Errno.EINVAL, error.Errno);
            Assert.Contains("existing TAP device", error.Message);
        });
    }

    [Fact]
    public void Create_SingleQueueDeviceInUse_ThrowsEbusy()
    {
        using var ns = TestNamespace.Create();
        ns.RunInside(() =>
        {
            using var owner = LinuxTunDevice.Create(new TunOptions { Name = "st0" });
            var error = Assert.Throws<InteropException>(() => LinuxTunDevice.Create(new TunOptions { Name = "st0" }));
            Assert.Equal(Errno.EBUSY, error.Errno);
            Assert.Contains("already exists and is in use", error.Message);
        });
    }

    [Fact]
    public void Create_MultiQueueOnSingleQueueDevice_ThrowsEinvalNamingTheMismatch()
    {
        using var ns = TestNamespace.Create();
        ns.RunInside(() =>
        {
            using var owner = LinuxTunDevice.Create(new TunOptions { Name = "st0" });
            var error = Assert.Throws<InteropException>(() => LinuxTunDevice.Create(new TunOptions { Name = "st0", Queues = 2 }));
            Assert.Equal(Errno.EINVAL, error.Errno);
            Assert.Contains("multi_queue off, but 2 queue(s) were requested", error.Message);
        });
    }

    [Fact]
    public void Create_MoreQueuesOnMultiQueueDevice_Attaches()
    {
        using var ns = TestNamespace.Create();
        ns.RunInside(() =>
        {
            using var first = LinuxTunDevice.Create(new TunOptions { Name = "st0", Queues = 2 });
            using var second = LinuxTunDevice.Create(new TunOptions { Name = "st0", Queues = 2 });
            Assert.Equal(first.IfIndex, second.IfIndex);
        });
    }

    [Fact]
    public void Create_MissingCloneDevice_SaysLoadTheModule()
    {
        var error = Assert.Throws<InteropException>(() => LinuxTunDevice.Create(new TunOptions { Name = "st0" }, "/nonexistent/net/tun"));
        Assert.Equal(Errno.ENOENT, error.Errno);
        Assert.Equal("open /nonexistent/net/tun: No such file or directory (ENOENT) (load the tun module (modprobe tun); in a container, map the device (--device /dev/net/tun))", error.Message);
    }
}
