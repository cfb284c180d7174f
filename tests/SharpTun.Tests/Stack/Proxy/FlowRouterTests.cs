using System.Net;
using SharpTun.Dns;
using SharpTun.Proxy;
using SharpTun.Proxy.Outbounds;
using SharpTun.Proxy.Rules;
using SharpTun.Stack.Nat;
using SharpTun.Stack.Proxy;

namespace SharpTun.Tests.Stack.Proxy;

public sealed class FlowRouterTests
{
    private static readonly NatEndpoint App = NatEndpoint.FromIPAddress(IPAddress.Parse("198.19.0.1"), 40000);
    private readonly RoutedOutbound _direct = new("DIRECT", new NamedOutbound("direct"));
    private readonly RoutedOutbound _proxyA = new("proxy-a", new NamedOutbound("socks5 a"));
    private readonly RoutedOutbound _proxyB = new("proxy-b", new NamedOutbound("socks5 b"));

    private FlowRouter Router(string rules, FlowRouter.DomainResolver? resolve = null, FakeIpPool? pool = null) =>
        new([_direct, _proxyA, _proxyB], new RuleEngine(new RuleParser(new HashSet<string> { "DIRECT", "proxy-a", "proxy-b" }).Parse(rules.Split('\n'))), resolve, pool);

    private static NatEndpoint To(string address, ushort port) => NatEndpoint.FromIPAddress(IPAddress.Parse(address), port);

    [Fact]
    public void Decide_TwoDomains_GoToTheirOutboundsAndTheRestToDirect()
    {
        var router = Router("DOMAIN-SUFFIX,a.example,proxy-a\nDOMAIN,b.example,proxy-b");

        Assert.Same(_proxyA, router.Decide(RuleNetwork.Tcp, App, To("198.18.0.5", 443), "www.a.example", null).Outbound);
        Assert.Same(_proxyB, router.Decide(RuleNetwork.Tcp, App, To("198.18.0.6", 443), "b.example", null).Outbound);
        var (outbound, reason) = router.Decide(RuleNetwork.Tcp, App, To("198.18.0.7", 443), "c.example", null);
        Assert.Same(_direct, outbound);
        Assert.Equal("no rule matched", reason);
        Assert.True(router.UsesDomains);
    }

    [Fact]
    public void Decide_NamesTheRuleThatMatched()
    {
        var (_, reason) = Router("IP-CIDR,10.0.0.0/8,proxy-b\nDST-PORT,22,proxy-a").Decide(RuleNetwork.Tcp, App, To("192.0.2.1", 22), null, null);
        Assert.Equal("rule 2 (DST-PORT,22,proxy-a)", reason);
    }

    [Fact]
    public void Decide_FakeAddress_IsNeverSeenByIpRules()
    {
        var pool = new FakeIpPool(FakeIpPool.DefaultIPv4Range, FakeIpPool.DefaultIPv6Range);
        Assert.True(pool.TryGetOrAllocate("x.example", ipv6: false, out var fake));
        var router = Router("IP-CIDR,198.18.0.0/16,proxy-a,no-resolve\nMATCH,proxy-b", pool: pool);

        Assert.Same(_proxyB, router.Decide(RuleNetwork.Tcp, App, fake with { Port = 443 }, "x.example", null).Outbound);
        // The same address without fake-IP DNS is a real one, and the IP rule sees it.
        var withoutPool = Router("IP-CIDR,198.18.0.0/16,proxy-a,no-resolve\nMATCH,proxy-b");
        Assert.Same(_proxyA, withoutPool.Decide(RuleNetwork.Tcp, App, fake with { Port = 443 }, null, null).Outbound);
    }

    [Fact]
    public async Task DecideAsync_IpRuleBeforeTheDomainMatch_ResolvesTheDomain()
    {
        var resolved = 0;
        var router = Router("IP-CIDR,192.0.2.0/24,proxy-a\nMATCH,proxy-b", (domain, _) =>
        {
            resolved++;
            return ValueTask.FromResult(domain == "in.example" ? new[] { IPAddress.Parse("192.0.2.9") } : [IPAddress.Parse("203.0.113.1")]);
        });

        Assert.Same(_proxyA, (await router.DecideAsync(RuleNetwork.Tcp, App, To("198.18.0.9", 80), "in.example", null, default)).Outbound);
        Assert.Same(_proxyB, (await router.DecideAsync(RuleNetwork.Tcp, App, To("198.18.0.9", 80), "out.example", null, default)).Outbound);
        Assert.Equal(2, resolved);
    }

    [Fact]
    public async Task DecideAsync_NameDoesNotResolve_IpRulesDoNotMatchAndTheNextRuleDecides()
    {
        var router = Router("IP-CIDR,192.0.2.0/24,proxy-a\nDOMAIN-SUFFIX,example,proxy-b",
            (_, _) => throw new System.Net.Sockets.SocketException((int)System.Net.Sockets.SocketError.HostNotFound));

        var (outbound, reason) = await router.DecideAsync(RuleNetwork.Tcp, App, To("198.18.0.9", 80), "gone.example", null, default);

        Assert.Same(_proxyB, outbound);
        Assert.Contains("DOMAIN-SUFFIX", reason);
    }

    [Fact]
    public async Task DecideAsync_NoResolveRuleOrDomainRuleFirst_ResolvesNothing()
    {
        var router = Router("DOMAIN,first.example,proxy-a\nIP-CIDR,192.0.2.0/24,proxy-b,no-resolve", (_, _) => throw new InvalidOperationException("must not resolve"));
        Assert.Same(_proxyA, (await router.DecideAsync(RuleNetwork.Tcp, App, To("198.18.0.1", 80), "first.example", null, default)).Outbound);
        Assert.Same(_direct, (await router.DecideAsync(RuleNetwork.Tcp, App, To("198.18.0.1", 80), "other.example", null, default)).Outbound);
    }

    [Fact]
    public void Constructor_RuleToAnUnknownOutbound_IsRefused()
    {
        var rules = new RuleEngine(new RuleParser().Parse(["MATCH,nowhere"]));
        var error = Assert.Throws<ArgumentException>(() => new FlowRouter([_direct], rules));
        Assert.Contains("'nowhere'", error.Message);
    }

    [Fact]
    public void Decide_WithoutRules_IsTheFirstOutbound() =>
        Assert.Equal((_proxyA, "default"), new FlowRouter([_proxyA, _direct]).Decide(RuleNetwork.Udp, App, To("192.0.2.1", 53), null, null));

    private sealed class NamedOutbound(string name) : IOutbound
    {
        public string Name => name;

        public ValueTask<OutboundConnectResult> ConnectTcpAsync(ProxyDestination destination, CancellationToken ct) =>
            ValueTask.FromResult(OutboundConnectResult.Failure(OutboundError.Refused, "test outbound"));
    }
}
