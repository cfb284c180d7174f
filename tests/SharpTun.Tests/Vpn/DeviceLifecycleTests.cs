using System.Net;
using SharpTun.Interop;
using SharpTun.Tun;
using SharpTun.Vpn;

namespace SharpTun.Tests.Vpn;

public sealed class DeviceLifecycleTests
{
    /// <summary>A TUN queue that fails on demand, standing in for a deleted device or a link that is down.</summary>
    private sealed class FailingTunQueue(MemoryTunQueue inner) : ITunQueue
    {
        public readonly MemoryTunQueue Inner = inner;
        public volatile bool FailReads;
        public volatile bool FailWrites;

        public int Read(Span<PacketBuffer> packets)
        {
            var count = Inner.Read(packets);
            if (FailReads)
                throw new InteropException("read from TUN 'test'", Errno.EBADFD);
            return count;
        }

        public int TryRead(Span<PacketBuffer> packets) => FailReads ? throw new InteropException("read from TUN 'test'", Errno.EBADFD) : Inner.TryRead(packets);

        public System.Runtime.InteropServices.SafeHandle ReadableHandle => Inner.ReadableHandle;

        public int Write(ReadOnlySpan<PacketBuffer> packets) =>
            FailWrites ? throw new InteropException("write to TUN 'test'", Errno.EIO) : Inner.Write(packets);

        public void Close() => Inner.Close();

        public void Dispose() => Inner.Dispose();
    }

    private static (WireGuardDevice Device, MemoryNetwork Network) Start(ITunQueue tun)
    {
        var network = new MemoryNetwork();
        var device = WireGuardDevice.Start(new WireGuardDeviceOptions
        {
            PrivateKey = WireGuardKey.GeneratePrivate(),
            Peers = [new WireGuardPeerOptions { PublicKey = WireGuardKey.GeneratePrivate().DerivePublic(), AllowedIps = [IPNetwork.Parse("10.0.0.0/24")] }],
        }, tun, network.Create("192.0.2.1", 51820));
        return (device, network);
    }

    [Fact]
    public void Dispose_StopsThreads_CompletesAndClosesTheQueue()
    {
        var tun = new MemoryTunQueue();
        var (device, _) = Start(tun);
        device.Dispose();
        Assert.True(device.Completion.IsCompletedSuccessfully);
        Assert.False(tun.TryInject(new byte[20]), "the queue is closed");
        Assert.Throws<ObjectDisposedException>(() => device.AddPeer(new WireGuardPeerOptions { PublicKey = WireGuardKey.GeneratePrivate().DerivePublic() }));
        device.Dispose();
    }

    [Fact]
    public void TunReadFailure_FaultsCompletion_NamingTheLoop()
    {
        var tun = new FailingTunQueue(new MemoryTunQueue()) { FailReads = true };
        var (device, _) = Start(tun);
        using var _ = device;
        tun.Inner.TryInject(new byte[20]);
        var error = Assert.Throws<AggregateException>(() => device.Completion.Wait(TimeSpan.FromSeconds(5)));
        Assert.Contains("TUN read loop failed", error.InnerException!.Message);
    }

    [Fact]
    public void TunWriteFailure_LosesThosePacketsOnly()
    {
        FailingTunQueue? failing = null;
        using var pair = new DevicePair(wrapTunB: inner => failing = new FailingTunQueue(inner));
        pair.Connect();
        failing!.FailWrites = true;
        Assert.True(pair.TunA.TryInject(DevicePair.Ping(DevicePair.AddressA, DevicePair.AddressB, 5)));
        Assert.True(DevicePair.Eventually(() => pair.B.Counters.TunWriteFailures == 1));
        failing.FailWrites = false;
        Assert.True(pair.TunA.TryInject(DevicePair.Ping(DevicePair.AddressA, DevicePair.AddressB, 6)));
        Assert.NotNull(DevicePair.Take(pair.TunB));
        Assert.False(pair.B.Completion.IsCompleted);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(100_000)]
    public void Start_BadMtu_SaysWhatIsAllowed(int mtu)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => WireGuardDevice.Start(
            new WireGuardDeviceOptions { PrivateKey = WireGuardKey.GeneratePrivate(), Mtu = mtu }, new MemoryTunQueue(), new MemoryNetwork().Create("192.0.2.1", 1)));
        Assert.Contains("MTU", error.Message);
    }

    [Theory]
    [InlineData("192.0.2.1:0", null, "has no port")]
    [InlineData(null, -1, "out of range")]
    [InlineData(null, 65536, "out of range")]
    public void AddPeer_BadEndpointOrKeepalive_SaysWhatIsWrong(string? endpoint, int? keepaliveSeconds, string expected)
    {
        var (device, _) = Start(new MemoryTunQueue());
        using var _ = device;
        var error = Assert.Throws<ArgumentException>(() => device.AddPeer(new WireGuardPeerOptions
        {
            PublicKey = WireGuardKey.GeneratePrivate().DerivePublic(),
            Endpoint = endpoint is null ? null : IPEndPoint.Parse(endpoint),
            PersistentKeepalive = keepaliveSeconds is { } seconds ? TimeSpan.FromSeconds(seconds) : null,
        }));
        Assert.Contains(expected, error.Message);
        Assert.Single(device.GetPeers());
    }

    [Fact]
    public void Start_DuplicatePeer_Throws()
    {
        var peer = new WireGuardPeerOptions { PublicKey = WireGuardKey.GeneratePrivate().DerivePublic() };
        var error = Assert.Throws<ArgumentException>(() => WireGuardDevice.Start(
            new WireGuardDeviceOptions { PrivateKey = WireGuardKey.GeneratePrivate(), Peers = [peer, peer] }, new MemoryTunQueue(), new MemoryNetwork().Create("192.0.2.1", 1)));
        Assert.Contains("already configured", error.Message);
    }
}
