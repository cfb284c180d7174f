using System.Net;
using System.Net.Sockets;
using SharpTun.Proxy;
using SharpTun.Stack.Nat;
using SharpTun.Stack.Proxy;
using SharpTun.TestSupport;
using SharpTun.Tests.Stack.Nat;

namespace SharpTun.Tests.Stack.Proxy;

public sealed class UnclaimedFlowsTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private readonly ManualTimeProvider _time = new();

    [Fact]
    public void AbandonExpired_FlowOlderThanTimeout_ClosesItsOutbound()
    {
        var flows = new UnclaimedFlows(Timeout, _time);
        var (flow, outbound) = NewFlow();
        flows.Add(flow);

        _time.Advance(Timeout - TimeSpan.FromSeconds(1));
        Assert.Empty(flows.AbandonExpired());
        _time.Advance(TimeSpan.FromSeconds(1));
        var abandoned = flows.AbandonExpired();

        Assert.Same(flow, Assert.Single(abandoned));
        Assert.Equal(0, flows.Count);
        Assert.False(flows.TryClaim(flow, out _));
        Assert.Throws<ObjectDisposedException>(() => outbound.Socket.Available);
    }

    [Fact]
    public void Claim_BeforeTimeout_HandsOverTheOutboundAndForgetsTheFlow()
    {
        var flows = new UnclaimedFlows(Timeout, _time);
        var (flow, outbound) = NewFlow();
        flows.Add(flow);

        Assert.True(flows.TryClaim(flow, out var claimed));
        Assert.Same(outbound, claimed);
        Assert.Equal(0, flows.Count);
        _time.Advance(Timeout * 2);
        Assert.Empty(flows.AbandonExpired());
        Assert.Equal(0, outbound.Socket.Available); // still open
        outbound.Dispose();
    }

    [Fact]
    public void AbandonAll_ClosesEveryUnclaimedOutbound()
    {
        var flows = new UnclaimedFlows(Timeout, _time);
        var (first, firstOutbound) = NewFlow();
        var (second, secondOutbound) = NewFlow();
        flows.Add(first);
        flows.Add(second);

        flows.AbandonAll();

        Assert.Equal(0, flows.Count);
        Assert.Throws<ObjectDisposedException>(() => firstOutbound.Socket.Available);
        Assert.Throws<ObjectDisposedException>(() => secondOutbound.Socket.Available);
    }

    private static (TcpFlow, ProxyConnection) NewFlow()
    {
        var outbound = new ProxyConnection(new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp));
        var app = NatEndpoint.FromIPEndPoint(new IPEndPoint(IPAddress.Parse("10.0.0.2"), 40000));
        var remote = NatEndpoint.FromIPEndPoint(new IPEndPoint(IPAddress.Parse("192.0.2.1"), 80));
        var virtualEndpoint = NatEndpoint.FromIPEndPoint(new IPEndPoint(IPAddress.Parse("198.19.0.7"), 2000));
        var session = new TcpNatSession(app, remote, virtualEndpoint, 0);
        return (new TcpFlow(session, "direct", outbound, 0), outbound);
    }
}
