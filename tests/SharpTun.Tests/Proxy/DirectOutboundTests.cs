using System.Net;
using System.Net.Sockets;
using SharpTun.Proxy;
using SharpTun.Proxy.Outbounds;

namespace SharpTun.Tests.Proxy;

public sealed class DirectOutboundTests
{
    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("localhost")]
    public async Task ConnectTcpAsync_Listening_Connects(string host)
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        Assert.True(ProxyDestination.TryCreate(host, ((IPEndPoint)listener.LocalEndpoint).Port, out var destination, out _));
        var outbound = new DirectOutbound(ProxyTestSupport.Options(), ProxyTestSupport.Logger);

        var result = await outbound.ConnectTcpAsync(destination, ProxyTestSupport.Timeout());

        Assert.True(result.IsSuccess, result.ToString());
        using var connection = result.Connection;
        using var accepted = await listener.AcceptSocketAsync(ProxyTestSupport.Timeout());
        Assert.True(connection.Socket.NoDelay);
    }

    [Fact]
    public async Task ConnectTcpAsync_Domain_UsesConfiguredResolver()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var resolver = new FixedResolver([IPAddress.Loopback]);
        var outbound = new DirectOutbound(ProxyTestSupport.Options() with { DomainResolver = resolver }, ProxyTestSupport.Logger);

        var result = await outbound.ConnectTcpAsync(ProxyDestination.FromDomain("only-in-the-test.invalid", ((IPEndPoint)listener.LocalEndpoint).Port), ProxyTestSupport.Timeout());

        Assert.True(result.IsSuccess, result.ToString());
        result.Connection.Dispose();
        Assert.Equal(["only-in-the-test.invalid"], resolver.Asked);
    }

    [Fact]
    public async Task ConnectTcpAsync_ResolverSaysHostNotFound_Unreachable()
    {
        var outbound = new DirectOutbound(ProxyTestSupport.Options() with { DomainResolver = new FixedResolver(null) }, ProxyTestSupport.Logger);

        var result = await outbound.ConnectTcpAsync(ProxyDestination.FromDomain("nx.invalid", 80), ProxyTestSupport.Timeout());

        Assert.Equal(OutboundError.Unreachable, result.Error);
        Assert.Equal("cannot resolve nx.invalid: name not found", result.Message);
    }

    /// <summary>Answers every name with the same addresses, or HostNotFound for null.</summary>
    private sealed class FixedResolver(IPAddress[]? addresses) : IDomainResolver
    {
        public List<string> Asked { get; } = [];

        public ValueTask<IPAddress[]> ResolveAsync(string domain, CancellationToken ct)
        {
            lock (Asked)
                Asked.Add(domain);
            return addresses is null
                ? ValueTask.FromException<IPAddress[]>(new SocketException((int)SocketError.HostNotFound))
                : ValueTask.FromResult(addresses);
        }
    }

    [Fact]
    public async Task ConnectTcpAsync_NotListening_Refused()
    {
        var destination = ProxyDestination.FromAddress(IPAddress.Loopback, ProxyTestSupport.FreeTcpPort());
        var outbound = new DirectOutbound(ProxyTestSupport.Options(), ProxyTestSupport.Logger);

        var result = await outbound.ConnectTcpAsync(destination, ProxyTestSupport.Timeout());

        Assert.Equal(OutboundError.Refused, result.Error);
        Assert.Equal($"connecting to {destination} failed: connection refused", result.Message);
    }

    [Fact]
    public async Task ConnectTcpAsync_SocketOptions_MarkAndInterfaceSet()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var options = ProxyTestSupport.Options() with { SocketOptions = new OutboundSocketOptions { FirewallMark = 0x5a17, InterfaceName = "lo" } };
        var outbound = new DirectOutbound(options, ProxyTestSupport.Logger);

        var result = await outbound.ConnectTcpAsync(ProxyDestination.FromEndPoint((IPEndPoint)listener.LocalEndpoint), ProxyTestSupport.Timeout());

        Assert.True(result.IsSuccess, result.ToString());
        using var connection = result.Connection;
        var mark = new byte[4];
        connection.Socket.GetRawSocketOption(1, 36, mark);
        Assert.Equal(0x5a17u, BitConverter.ToUInt32(mark));
        var device = new byte[16];
        var length = connection.Socket.GetRawSocketOption(1, 25, device);
        Assert.Equal("lo", System.Text.Encoding.ASCII.GetString(device, 0, length).TrimEnd('\0'));
    }

    [Fact]
    public async Task ConnectTcpAsync_UnknownInterface_NetworkErrorNamingIt()
    {
        var options = ProxyTestSupport.Options() with { SocketOptions = new OutboundSocketOptions { InterfaceName = "nosuchif0" } };
        var outbound = new DirectOutbound(options, ProxyTestSupport.Logger);

        var result = await outbound.ConnectTcpAsync(ProxyDestination.FromAddress(IPAddress.Loopback, 9), ProxyTestSupport.Timeout());

        Assert.Equal(OutboundError.NetworkError, result.Error);
        Assert.Contains("cannot set interface nosuchif0", result.Message);
    }

    [Theory]
    [InlineData("")]
    [InlineData("sixteen-chars-xx")]
    [InlineData("a/b")]
    [InlineData("a b")]
    public void OutboundSocketOptions_BadInterfaceName_Throws(string name)
    {
        Assert.Throws<ArgumentException>(() => new OutboundSocketOptions { InterfaceName = name });
    }

    [Fact]
    public async Task RejectOutbound_Always_Rejected()
    {
        var result = await new RejectOutbound().ConnectTcpAsync(ProxyDestination.FromDomain("example.com", 80), ProxyTestSupport.Timeout());

        Assert.Equal(OutboundError.Rejected, result.Error);
        Assert.Contains("example.com:80", result.Message);
    }

    [Theory]
    [InlineData("direct://", typeof(DirectOutbound))]
    [InlineData("reject://", typeof(RejectOutbound))]
    [InlineData("socks5://u:p@127.0.0.1:1080", typeof(SharpTun.Proxy.Outbounds.Socks5.Socks5Outbound))]
    [InlineData("http://[::1]:3128", typeof(SharpTun.Proxy.Outbounds.Http.HttpConnectOutbound))]
    public void CreateOutbound_FromUrl_BuildsTheKind(string url, Type expected)
    {
        var outbound = ProxyUri.Parse(url).CreateOutbound(ProxyTestSupport.Options(), ProxyTestSupport.Logger);

        Assert.IsType(expected, outbound);
    }
}
