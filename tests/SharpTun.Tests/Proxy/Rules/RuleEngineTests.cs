using System.Net;
using SharpTun.Proxy.Rules;
using SharpTun.TestSupport;

namespace SharpTun.Tests.Proxy.Rules;

public sealed class RuleEngineTests
{
    private static RuleEngine Compile(params string[] lines) => new(new RuleParser().Parse(lines));

    private static RuleContext ToDomain(string domain, int port = 443) =>
        new() { Domain = domain, DestinationPort = port, Network = RuleNetwork.Tcp };

    private static RuleContext ToAddress(string address, int port = 443, bool resolved = false) =>
        new() { DestinationAddress = IPAddress.Parse(address), DestinationAddressIsResolved = resolved, DestinationPort = port, Network = RuleNetwork.Tcp };

    [Theory]
    [InlineData("DOMAIN,www.example.com,hit", "www.example.com", true)]
    [InlineData("DOMAIN,www.example.com,hit", "WWW.Example.COM.", true)]
    [InlineData("DOMAIN,www.example.com,hit", "a.www.example.com", false)]
    [InlineData("DOMAIN,www.example.com,hit", "example.com", false)]
    [InlineData("DOMAIN-SUFFIX,example.com,hit", "example.com", true)]
    [InlineData("DOMAIN-SUFFIX,example.com,hit", "a.b.example.com", true)]
    [InlineData("DOMAIN-SUFFIX,example.com,hit", "badexample.com", false)]
    [InlineData("DOMAIN-SUFFIX,example.com,hit", "example.com.cn", false)]
    [InlineData("DOMAIN-KEYWORD,goog,hit", "www.GOOGLE.com", true)]
    [InlineData("DOMAIN-KEYWORD,goog,hit", "www.gogle.com", false)]
    [InlineData(@"DOMAIN-REGEX,^ad[0-9]+\.,hit", "ad12.example.com", true)]
    [InlineData(@"DOMAIN-REGEX,^ad[0-9]+\.,hit", "bad12.example.com", false)]
    public void Decide_DomainRules_MatchAsMihomoDoes(string line, string domain, bool matches)
    {
        var decision = Compile(line).Decide(ToDomain(domain));

        Assert.Equal(matches, decision.Matched);
    }

    [Theory]
    [InlineData("IP-CIDR,10.0.0.0/8,hit", "10.200.0.1", true)]
    [InlineData("IP-CIDR,10.0.0.0/8,hit", "11.0.0.1", false)]
    [InlineData("IP-CIDR,10.0.0.0/8,hit", "::ffff:10.1.1.1", true)]
    [InlineData("IP-CIDR,0.0.0.0/0,hit", "2001:db8::1", false)]
    [InlineData("IP-CIDR6,2001:db8::/32,hit", "2001:db8:ffff::1", true)]
    [InlineData("IP-CIDR6,2001:db8::/32,hit", "2001:db9::1", false)]
    [InlineData("IP-CIDR,192.0.2.1/32,hit", "192.0.2.1", true)]
    [InlineData("IP-CIDR,192.0.2.1/32,hit", "192.0.2.2", false)]
    public void Decide_IpCidr_MatchesTheDestination(string line, string address, bool matches)
    {
        var decision = Compile(line).Decide(ToAddress(address));

        Assert.Equal(matches, decision.Matched);
    }

    [Fact]
    public void Decide_SourceRules_LookAtTheSource()
    {
        var engine = Compile("SRC-IP-CIDR,192.168.1.0/24,lan", "SRC-PORT,5000-5999,high");
        var context = new RuleContext { SourceAddress = IPAddress.Parse("192.168.1.7"), SourcePort = 40000, DestinationAddress = IPAddress.Parse("192.168.2.7") };

        Assert.Equal("lan", engine.Decide(context).Target);
        Assert.Equal("high", engine.Decide(context with { SourceAddress = IPAddress.Parse("192.168.2.7"), SourcePort = 5500 }).Target);
        Assert.False(engine.Decide(context with { SourceAddress = null }).Matched);
    }

    [Theory]
    [InlineData(80, "web")]
    [InlineData(443, "web")]
    [InlineData(8500, "range")]
    [InlineData(8999, "range")]
    [InlineData(9000, "other")]
    [InlineData(-1, "other")]
    public void Decide_DestinationPort_ListsAndRanges(int port, string target)
    {
        var engine = Compile("DST-PORT,80/443,web", "DST-PORT,8000-8999,range", "MATCH,other");

        Assert.Equal(target, engine.Decide(ToDomain("example.com", port)).Target);
    }

    [Fact]
    public void Decide_NetworkAndProcessName()
    {
        var engine = Compile("PROCESS-NAME,curl,curl", "NETWORK,udp,udp", "MATCH,other");

        Assert.Equal("udp", engine.Decide(new RuleContext { Network = RuleNetwork.Udp }).Target);
        Assert.Equal("other", engine.Decide(new RuleContext { Network = RuleNetwork.Tcp }).Target);
        Assert.Equal("curl", engine.Decide(new RuleContext { Network = RuleNetwork.Udp, ProcessName = "Curl" }).Target);
        Assert.Equal("other", engine.Decide(new RuleContext { ProcessName = "wget" }).Target);
    }

    [Fact]
    public void Decide_FirstMatchingLineWins_NotTheMostSpecific()
    {
        var engine = Compile(
            "DOMAIN-KEYWORD,ads,keyword",
            "DOMAIN-SUFFIX,example.com,suffix",
            "DOMAIN,www.example.com,exact",
            "IP-CIDR,10.0.0.0/8,wide",
            "IP-CIDR,10.1.0.0/16,narrow",
            "MATCH,final");

        Assert.Equal("suffix", engine.Decide(ToDomain("www.example.com")).Target);
        Assert.Equal("keyword", engine.Decide(ToDomain("ads.example.com")).Target);
        Assert.Equal("wide", engine.Decide(ToAddress("10.1.2.3")).Target);
        var both = ToAddress("10.1.2.3") with { Domain = "www.example.com" };
        Assert.Equal(1, engine.Decide(both).RuleIndex);
        Assert.Equal("final", engine.Decide(ToDomain("other.org")).Target);
    }

    [Fact]
    public void Decide_NamesTheRuleThatMatched()
    {
        var decision = Compile("# rules", "DOMAIN-SUFFIX,example.com,proxy", "MATCH,direct").Decide(ToDomain("a.example.com"));

        Assert.Equal(0, decision.RuleIndex);
        Assert.Equal("DOMAIN-SUFFIX,example.com,proxy", decision.Rule!.Text);
        Assert.Equal(2, decision.Rule.LineNumber);
        Assert.Equal("rule 0 (DOMAIN-SUFFIX,example.com,proxy) -> proxy", decision.ToString());
    }

    [Fact]
    public void Decide_NothingMatches_NoDecision()
    {
        var decision = Compile("DOMAIN,example.com,proxy").Decide(ToAddress("192.0.2.1"));

        Assert.False(decision.Matched);
        Assert.Equal(-1, decision.RuleIndex);
        Assert.Null(decision.Target);
    }

    [Fact]
    public void Decide_NoResolve_IgnoresResolvedAddressesOnly()
    {
        var engine = Compile("IP-CIDR,10.0.0.0/8,actual,no-resolve", "IP-CIDR,10.0.0.0/8,any", "MATCH,final");

        Assert.Equal("actual", engine.Decide(ToAddress("10.0.0.1")).Target);
        Assert.Equal("any", engine.Decide(ToAddress("10.0.0.1", resolved: true)).Target);
        Assert.Equal("final", engine.Decide(ToDomain("example.com")).Target);
        Assert.Equal(1, engine.FirstResolvingIpRuleIndex);
    }

    [Fact]
    public void FirstResolvingIpRuleIndex_OnlyNoResolveRules_IsMinusOne()
    {
        Assert.Equal(-1, Compile("IP-CIDR,10.0.0.0/8,a,no-resolve", "MATCH,b").FirstResolvingIpRuleIndex);
    }

    [Fact]
    public void Decide_AllocatesNothing()
    {
        var engine = Compile(
            "DOMAIN,exact.example.com,a",
            "DOMAIN-SUFFIX,example.com,b",
            "DOMAIN-KEYWORD,tracker,c",
            @"DOMAIN-REGEX,^ad[0-9]+\.,d",
            "IP-CIDR,10.0.0.0/8,e,no-resolve",
            "IP-CIDR6,2001:db8::/32,f",
            "SRC-IP-CIDR,192.168.0.0/16,g",
            "DST-PORT,22/8000-9000,h",
            "SRC-PORT,1-10,i",
            "PROCESS-NAME,curl,j",
            "NETWORK,udp,k",
            "MATCH,l");
        RuleContext[] contexts =
        [
            ToDomain("www.example.com"),
            ToDomain("ad12.other.org."),
            ToDomain("my-tracker.org", port: 8080),
            ToAddress("10.1.1.1"),
            ToAddress("2001:db8::1", resolved: true),
            new() { SourceAddress = IPAddress.Parse("192.168.3.3"), ProcessName = "curl", Network = RuleNetwork.Udp },
        ];
        var checksum = 0;
        void DecideAll()
        {
            for (var round = 0; round < 1000; round++)
            {
                foreach (var context in contexts)
                    checksum += engine.Decide(context).RuleIndex;
            }
        }
        DecideAll(); // warm-up: JIT, the regex engine's lazily built states

        Assert.Equal(0, Allocations.FewestBytes(DecideAll));
        Assert.NotEqual(0, checksum);
    }
}
