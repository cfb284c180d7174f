using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using SharpTun.Host.Processes;

namespace SharpTun.Tests.Host.Processes;

public sealed class SocketOwnerLookupTests
{
    private static readonly string ThisExecutable = new FileInfo("/proc/self/exe").LinkTarget!;
    private static readonly string ThisName = Path.GetFileName(ThisExecutable);
    private static readonly TimeSpan ChildTimeout = TimeSpan.FromSeconds(20);

    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("::1")]
    public async Task FindAsync_TcpClientOfThisProcess_ReturnsThisProcess(string loopback)
    {
        var address = IPAddress.Parse(loopback);
        using var listener = new TcpListener(address, 0);
        listener.Start();
        using var client = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        await client.ConnectAsync(listener.LocalEndpoint);
        using var server = await listener.AcceptSocketAsync();
        using var lookup = new SocketOwnerLookup();

        var owner = await lookup.FindAsync(ProtocolType.Tcp, Local(client), Remote(client));

        AssertThisProcess(owner);
    }

    [Fact]
    public async Task FindAsync_Ipv4FlowOfDualStackTcpSocket_ReturnsThisProcess()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        using var client = new Socket(AddressFamily.InterNetworkV6, SocketType.Stream, ProtocolType.Tcp) { DualMode = true };
        await client.ConnectAsync(listener.LocalEndpoint);
        using var server = await listener.AcceptSocketAsync();
        using var lookup = new SocketOwnerLookup();
        Assert.True(Local(client).Address.IsIPv4MappedToIPv6);

        // What a TUN sees: plain IPv4 packets.
        var owner = await lookup.FindAsync(ProtocolType.Tcp, (IPEndPoint)server.RemoteEndPoint!, (IPEndPoint)server.LocalEndPoint!);

        AssertThisProcess(owner);
        Assert.Equal(owner, await lookup.FindAsync(ProtocolType.Tcp, Local(client), Remote(client))); // mapped form
    }

    [Fact]
    public async Task FindAsync_ListenerPortAsSource_ReturnsNull()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        using var lookup = new SocketOwnerLookup();

        // The kernel's lookup falls back to a listener; a listener never starts a flow.
        var owner = await lookup.FindAsync(ProtocolType.Tcp, (IPEndPoint)listener.LocalEndpoint, new IPEndPoint(IPAddress.Parse("127.0.0.9"), 40000));

        Assert.Null(owner);
    }

    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("::1")]
    public async Task FindAsync_ConnectedUdpSocket_ReturnsThisProcess(string loopback)
    {
        var address = IPAddress.Parse(loopback);
        using var peer = new Socket(address.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        peer.Bind(new IPEndPoint(address, 0));
        using var client = new Socket(address.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        client.Connect(peer.LocalEndPoint!);
        using var lookup = new SocketOwnerLookup();

        var owner = await lookup.FindAsync(ProtocolType.Udp, Local(client), Remote(client));

        AssertThisProcess(owner);
    }

    [Fact]
    public async Task FindAsync_ConnectedUdpSocketFromAnotherPeer_ReturnsNull()
    {
        using var peer = BoundUdpPeer();
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        client.Connect(peer.LocalEndPoint!);
        using var lookup = new SocketOwnerLookup();

        // A connected socket receives nothing from other peers, so it cannot own that flow.
        var owner = await lookup.FindAsync(ProtocolType.Udp, Local(client), new IPEndPoint(IPAddress.Loopback, Remote(client).Port ^ 1));

        Assert.Null(owner);
    }

    [Theory]
    [InlineData("127.0.0.1", "127.0.0.1")]
    [InlineData("0.0.0.0", "127.0.0.1")]
    [InlineData("::1", "::1")]
    [InlineData("::", "::1")]
    public async Task FindAsync_UnconnectedUdpSocket_ReturnsThisProcess(string bindAddress, string flowSource)
    {
        var bound = IPAddress.Parse(bindAddress);
        using var socket = new Socket(bound.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        if (bound.AddressFamily == AddressFamily.InterNetworkV6)
            socket.DualMode = false;
        socket.Bind(new IPEndPoint(bound, 0));
        var source = new IPEndPoint(IPAddress.Parse(flowSource), Local(socket).Port);
        var destination = new IPEndPoint(source.AddressFamily == AddressFamily.InterNetwork ? IPAddress.Parse("192.0.2.7") : IPAddress.Parse("2001:db8::7"), 53);
        using var lookup = new SocketOwnerLookup();

        AssertThisProcess(await lookup.FindAsync(ProtocolType.Udp, source, destination));
        // The local end alone finds it too.
        AssertThisProcess(await lookup.FindAsync(ProtocolType.Udp, source, new IPEndPoint(IPAddress.Any, 0)));
    }

    [Fact]
    public async Task FindAsync_Ipv4FlowOfDualStackUdpSocket_ReturnsThisProcess()
    {
        using var socket = new Socket(AddressFamily.InterNetworkV6, SocketType.Dgram, ProtocolType.Udp) { DualMode = true };
        socket.Bind(new IPEndPoint(IPAddress.IPv6Any, 0));
        using var lookup = new SocketOwnerLookup();

        var owner = await lookup.FindAsync(ProtocolType.Udp, new IPEndPoint(IPAddress.Loopback, Local(socket).Port), new IPEndPoint(IPAddress.Parse("192.0.2.7"), 443));

        AssertThisProcess(owner);
    }

    [Fact]
    public async Task FindAsync_Ipv4FlowOfConnectedDualStackUdpSocket_ReturnsThisProcess()
    {
        using var peer = BoundUdpPeer();
        using var socket = new Socket(AddressFamily.InterNetworkV6, SocketType.Dgram, ProtocolType.Udp) { DualMode = true };
        socket.Connect(peer.LocalEndPoint!);
        using var lookup = new SocketOwnerLookup();

        var owner = await lookup.FindAsync(ProtocolType.Udp, new IPEndPoint(IPAddress.Loopback, Local(socket).Port), (IPEndPoint)peer.LocalEndPoint!);

        AssertThisProcess(owner);
    }

    [Fact]
    public async Task FindAsync_Ipv6OnlyUdpSocketForIpv4Flow_ReturnsNull()
    {
        using var socket = new Socket(AddressFamily.InterNetworkV6, SocketType.Dgram, ProtocolType.Udp) { DualMode = false };
        socket.Bind(new IPEndPoint(IPAddress.IPv6Any, 0));
        using var lookup = new SocketOwnerLookup();

        var owner = await lookup.FindAsync(ProtocolType.Udp, new IPEndPoint(IPAddress.Loopback, Local(socket).Port), new IPEndPoint(IPAddress.Parse("192.0.2.7"), 443));

        Assert.Null(owner);
    }

    [Theory]
    [InlineData(ProtocolType.Tcp)]
    [InlineData(ProtocolType.Udp)]
    public async Task FindAsync_PortNobodyUses_ReturnsNull(ProtocolType protocol)
    {
        var port = UnusedPort(protocol);
        using var lookup = new SocketOwnerLookup();

        var owner = await lookup.FindAsync(protocol, new IPEndPoint(IPAddress.Loopback, port), new IPEndPoint(IPAddress.Parse("127.0.0.2"), 9));

        Assert.Null(owner);
        Assert.False(lookup.TryFindSocket(protocol, new IPEndPoint(IPAddress.Loopback, port), new IPEndPoint(IPAddress.Parse("127.0.0.2"), 9), out _, out _));
    }

    [Fact]
    public async Task FindAsync_CurlConnectingToOurListener_ReturnsCurl()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        using var curl = StartChild("curl", $"-s -m 15 http://127.0.0.1:{port}/");
        try
        {
            using var accepted = await listener.AcceptSocketAsync().WaitAsync(ChildTimeout);
            using var lookup = new SocketOwnerLookup();

            // The accepted socket's remote end is curl's source: the flow as a TUN would see it.
            var owner = await lookup.FindAsync(ProtocolType.Tcp, (IPEndPoint)accepted.RemoteEndPoint!, (IPEndPoint)accepted.LocalEndPoint!);

            Assert.NotNull(owner);
            Assert.Equal("curl", owner.Value.Name);
            Assert.Equal(curl.Id, owner.Value.ProcessId);
            Assert.Equal(new FileInfo($"/proc/{curl.Id}/exe").LinkTarget, owner.Value.ExecutablePath);
            accepted.Send("HTTP/1.0 204 No Content\r\n\r\n"u8);
        }
        finally
        {
            StopChild(curl);
        }
    }

    [Fact]
    public async Task FindAsync_SocatSendingUdpToOurSocket_ReturnsSocat()
    {
        using var receiver = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        receiver.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var port = Local(receiver).Port;
        // socat keeps its unconnected UDP socket (UDP-SENDTO) open while it waits on stdin.
        using var socat = StartChild("socat", $"-u STDIN UDP-SENDTO:127.0.0.1:{port}");
        try
        {
            socat.StandardInput.Write("hello\n");
            socat.StandardInput.Flush();
            var buffer = new byte[64];
            var received = await receiver.ReceiveFromAsync(buffer, new IPEndPoint(IPAddress.Any, 0)).WaitAsync(ChildTimeout);
            using var lookup = new SocketOwnerLookup();

            var owner = await lookup.FindAsync(ProtocolType.Udp, (IPEndPoint)received.RemoteEndPoint, Local(receiver));

            Assert.NotNull(owner);
            Assert.Equal("socat", owner.Value.Name);
            Assert.Equal(socat.Id, owner.Value.ProcessId);
        }
        finally
        {
            StopChild(socat);
        }
    }

    [Fact]
    public async Task FindAsync_BurstOfNewSockets_CostsOneScan()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var clients = new List<Socket>();
        try
        {
            for (var i = 0; i < 20; i++)
            {
                var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                clients.Add(client);
                await client.ConnectAsync(listener.LocalEndpoint);
            }
            using var lookup = new SocketOwnerLookup();

            foreach (var client in clients)
                AssertThisProcess(await lookup.FindAsync(ProtocolType.Tcp, Local(client), Remote(client)));
            Assert.Equal(1, lookup.ScansCompleted);

            // Found again from the cache, with no scan.
            foreach (var client in clients)
                AssertThisProcess(await lookup.FindAsync(ProtocolType.Tcp, Local(client), Remote(client)));
            Assert.Equal(1, lookup.ScansCompleted);
        }
        finally
        {
            foreach (var client in clients)
                client.Dispose();
        }
    }

    [Fact]
    public async Task FindAsync_NewSocketOfARecentOwner_IsFoundWithoutAFullScan()
    {
        using var peer = BoundUdpPeer();
        using var first = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        first.Connect(peer.LocalEndPoint!);
        using var lookup = new SocketOwnerLookup();
        AssertThisProcess(await lookup.FindAsync(ProtocolType.Udp, Local(first), Remote(first)));
        Assert.Equal(1, lookup.ScansCompleted);

        using var second = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        second.Connect(peer.LocalEndPoint!);

        AssertThisProcess(await lookup.FindAsync(ProtocolType.Udp, Local(second), Remote(second)));
        Assert.Equal(1, lookup.ScansCompleted); // found among this process's fds, the last owner's
    }

    [Fact]
    public async Task FindAsync_ConcurrentLookupsOfNewSockets_ShareScans()
    {
        using var peer = BoundUdpPeer();
        var sockets = new List<Socket>();
        try
        {
            for (var i = 0; i < 32; i++)
            {
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
                sockets.Add(socket);
                socket.Connect(peer.LocalEndPoint!);
            }
            using var lookup = new SocketOwnerLookup();

            var owners = await Task.WhenAll(sockets.Select(s => Task.Run(() => lookup.FindAsync(ProtocolType.Udp, Local(s), Remote(s)).AsTask())));

            Assert.All(owners, AssertThisProcess);
            Assert.InRange(lookup.ScansCompleted, 1, 2); // 2 when some lookups started while the first scan ran
        }
        finally
        {
            foreach (var socket in sockets)
                socket.Dispose();
        }
    }

    [Fact]
    public async Task FindAsync_SocketClosedAfterItWasCached_ReturnsNull()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await client.ConnectAsync(listener.LocalEndpoint);
        var (local, remote) = (Local(client), Remote(client));
        using var lookup = new SocketOwnerLookup();
        AssertThisProcess(await lookup.FindAsync(ProtocolType.Tcp, local, remote));

        client.Dispose();

        Assert.Null(await lookup.FindAsync(ProtocolType.Tcp, local, remote));
    }

    [Fact]
    public void FindAsync_MixedFamilies_Throws()
    {
        using var lookup = new SocketOwnerLookup();

        Assert.Throws<ArgumentException>(() => lookup.FindAsync(ProtocolType.Tcp, new IPEndPoint(IPAddress.Loopback, 1), new IPEndPoint(IPAddress.IPv6Loopback, 2)));
        Assert.Throws<ArgumentOutOfRangeException>(() => lookup.FindAsync(ProtocolType.Icmp, new IPEndPoint(IPAddress.Loopback, 1), new IPEndPoint(IPAddress.Loopback, 2)));
    }

    private static void AssertThisProcess(SocketOwner? owner)
    {
        Assert.NotNull(owner);
        Assert.Equal(Environment.ProcessId, owner.Value.ProcessId);
        Assert.Equal(ThisName, owner.Value.Name);
        Assert.Equal(ThisExecutable, owner.Value.ExecutablePath);
        Assert.Equal(0u, owner.Value.UserId); // the tests run as root
    }

    /// <summary>A UDP socket bound to a free loopback port: the far end the tests' sockets connect to.</summary>
    private static Socket BoundUdpPeer()
    {
        var peer = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        peer.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return peer;
    }

    private static IPEndPoint Local(Socket socket) => (IPEndPoint)socket.LocalEndPoint!;

    private static IPEndPoint Remote(Socket socket) => (IPEndPoint)socket.RemoteEndPoint!;

    private static int UnusedPort(ProtocolType protocol)
    {
        using var socket = protocol == ProtocolType.Tcp
            ? new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp)
            : new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return Local(socket).Port;
    }

    private static Process StartChild(string file, string arguments)
    {
        var start = new ProcessStartInfo(file, arguments)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardInputEncoding = new UTF8Encoding(false),
        };
        return Process.Start(start)!;
    }

    private static void StopChild(Process child)
    {
        if (!child.HasExited)
            child.Kill();
        child.WaitForExit();
    }
}
