using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using SharpTun.Host;
using SharpTun.Proxy;
using SharpTun.Proxy.Outbounds;
using SharpTun.Stack.Proxy;
using SharpTun.TestSupport;
using SharpTun.Tun;

namespace SharpTun.Tests.Stack.Proxy;

/// <summary>
/// Disposing a running proxy: flows get a grace period to end by themselves, the rest are aborted,
/// and every flow's line is logged before <see cref="TunProxy.DisposeAsync"/> returns. An app in a
/// test namespace connects through a real TUN; the outbound connects to a server on this host's loopback.
/// </summary>
public sealed class TunProxyShutdownTests : IDisposable
{
    private static readonly InterfaceAddress TunAddress = InterfaceAddress.Parse("10.77.0.1/24");

    private readonly TestNamespace _ns = TestNamespace.Create();
    private readonly JournalTestDirectory _journals = new();
    private readonly TcpListener _server = new(IPAddress.Loopback, 0);
    private readonly RecordingLogger _log = new();
    private HostChanges? _changes;
    private LinuxTunDevice? _device;
    private NatListeners? _listeners;

    public TunProxyShutdownTests() => _server.Start();

    // IDisposable, not IAsyncDisposable: xunit 2 does not call DisposeAsync on a test class, and
    // the namespace of every test leaked that way.
    public void Dispose()
    {
        _listeners?.Dispose();
        _device?.Dispose();
        _changes?.Dispose();
        _server.Stop();
        _ns.Dispose();
        _journals.Dispose();
    }

    private TunProxy StartProxy(TimeSpan gracePeriod)
    {
        _ns.RunInside(() =>
        {
            _changes = HostChanges.Open(_journals.Path);
            _device = _changes.CreateTun(new TunOptions { Name = "st0" });
            _changes.AddAddress("st0", TunAddress);
            _changes.SetLinkUp("st0", true);
            _changes.AddRoute(new Route { Destination = IPNetwork.Parse("10.88.0.0/24"), Device = "st0" });
            _listeners = NatListeners.Bind(TunAddress.Address, null);
        });
        var options = new TunProxyOptions { Ipv4 = TunAddress, ShutdownGracePeriod = gracePeriod };
        var outbound = new LoopbackOutbound((IPEndPoint)_server.LocalEndpoint);
        var proxy = new TunProxy(options, _device!.Queues, _listeners!, new FlowRouter([new RoutedOutbound("loopback", outbound)]), null, null, _log);
        proxy.Start();
        return proxy;
    }

    /// <summary>An app in the namespace connected through the proxy, and the server's side of it.</summary>
    private async Task<(Socket App, Socket Server)> ConnectAsync()
    {
        var app = _ns.RunInside(() => new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp));
        var accepting = _server.AcceptSocketAsync();
        await app.ConnectAsync(new IPEndPoint(IPAddress.Parse("10.88.0.1"), 80)).WaitAsync(TimeSpan.FromSeconds(5));
        var server = await accepting.WaitAsync(TimeSpan.FromSeconds(5));
        await app.SendAsync("hello"u8.ToArray());
        var received = new byte[5];
        Assert.Equal(5, await server.ReceiveAsync(received).WaitAsync(TimeSpan.FromSeconds(5)));
        return (app, server);
    }

    [Fact]
    public async Task DisposeAsync_FlowStillOpen_WaitsTheGracePeriodThenAbortsAndLogsItFirst()
    {
        var proxy = StartProxy(TimeSpan.FromMilliseconds(500));
        var (app, server) = await ConnectAsync();
        using (app)
        using (server)
        {
            var stopwatch = Stopwatch.StartNew();
            await proxy.DisposeAsync();

            Assert.InRange(stopwatch.Elapsed, TimeSpan.FromMilliseconds(450), TimeSpan.FromSeconds(5));
            // The flow's line is there as soon as dispose returns: nothing of the flow runs after it.
            Assert.Contains(_log.Lines, line => line.StartsWith("tcp 10.77.0.1:", StringComparison.Ordinal) && line.Contains("-> 10.88.0.1:80 via loopback: Canceled, up 5 B"));
            Assert.Contains(_log.Lines, line => line.StartsWith("stopped: 1 tcp flows", StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task DisposeAsync_FlowEndingDuringGracePeriod_EndsNormallyAndDisposeReturnsEarly()
    {
        var proxy = StartProxy(TimeSpan.FromSeconds(10));
        var (app, server) = await ConnectAsync();
        using (server)
        {
            // The app closes as the proxy stops (exec: the command exits); the server closes a
            // moment after EOF, so the flow is still running when disposing starts.
            app.Dispose();
            var closing = Task.Run(async () =>
            {
                var buffer = new byte[16];
                while (await server.ReceiveAsync(buffer) > 0)
                {
                }
                await Task.Delay(300);
                server.Shutdown(SocketShutdown.Send);
            });
            var stopwatch = Stopwatch.StartNew();
            await proxy.DisposeAsync();

            Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(5), $"dispose took {stopwatch.Elapsed}");
            Assert.True(_log.Lines.Any(line => line.Contains("-> 10.88.0.1:80 via loopback: Normal, up 5 B")), string.Join("\n", _log.Lines));
            await closing.WaitAsync(TimeSpan.FromSeconds(5));
        }
    }

    /// <summary>Connects every flow to one server on this host's loopback, whatever its destination.</summary>
    private sealed class LoopbackOutbound(IPEndPoint server) : IOutbound
    {
        public string Name => "loopback";

        public async ValueTask<OutboundConnectResult> ConnectTcpAsync(ProxyDestination destination, CancellationToken ct)
        {
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            await socket.ConnectAsync(server, ct);
            return OutboundConnectResult.Success(new ProxyConnection(socket));
        }
    }
}
