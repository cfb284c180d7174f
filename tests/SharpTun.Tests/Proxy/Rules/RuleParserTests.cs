using SharpTun.Proxy.Rules;

namespace SharpTun.Tests.Proxy.Rules;

public sealed class RuleParserTests
{
    private static readonly RuleParser Parser = new(
        new HashSet<string>(["direct", "proxy", "reject"]),
        new Dictionary<string, RuleProvider>
        {
            ["ads"] = RuleProvider.Parse("ads", RuleProviderBehavior.Classical, ["DOMAIN-SUFFIX,ads.example", "IP-CIDR,192.0.2.0/24"], "ads.txt"),
        });

    [Theory]
    [InlineData("DOMAIN,www.Example.com,proxy", RuleType.Domain, RuleConditionKind.Domain, "www.example.com", "proxy")]
    [InlineData("DOMAIN-SUFFIX,google.com,proxy", RuleType.DomainSuffix, RuleConditionKind.DomainSuffix, "google.com", "proxy")]
    [InlineData("  domain-keyword , GooGle , direct ", RuleType.DomainKeyword, RuleConditionKind.DomainKeyword, "google", "direct")]
    [InlineData(@"DOMAIN-REGEX,^ad[0-9]+\.,reject", RuleType.DomainRegex, RuleConditionKind.DomainRegex, @"^ad[0-9]+\.", "reject")]
    [InlineData("IP-CIDR,10.0.0.0/8,direct,no-resolve", RuleType.IpCidr, RuleConditionKind.DestinationCidr, "10.0.0.0/8", "direct")]
    [InlineData("IP-CIDR6,2001:db8::/32,proxy", RuleType.IpCidr6, RuleConditionKind.DestinationCidr, "2001:db8::/32", "proxy")]
    [InlineData("SRC-IP-CIDR,192.168.1.0/24,direct", RuleType.SourceIpCidr, RuleConditionKind.SourceCidr, "192.168.1.0/24", "direct")]
    [InlineData("DST-PORT,443,proxy", RuleType.DestinationPort, RuleConditionKind.DestinationPort, "443", "proxy")]
    [InlineData("SRC-PORT,1000-2000,direct", RuleType.SourcePort, RuleConditionKind.SourcePort, "1000-2000", "direct")]
    [InlineData("NETWORK,udp,reject", RuleType.Network, RuleConditionKind.Network, "udp", "reject")]
    [InlineData("PROCESS-NAME,curl,direct", RuleType.ProcessName, RuleConditionKind.ProcessName, "curl", "direct")]
    [InlineData("MATCH,direct", RuleType.Match, RuleConditionKind.Match, "", "direct")]
    public void Parse_GoodLine_ReadsTypeValueAndTarget(string line, RuleType type, RuleConditionKind kind, string value, string target)
    {
        var rule = Assert.Single(Parser.Parse([line]));

        Assert.Equal(type, rule.Type);
        Assert.Equal(target, rule.Target);
        Assert.Equal(line.Trim(), rule.Text);
        var condition = Assert.Single(rule.Conditions);
        Assert.Equal(kind, condition.Kind);
        Assert.Equal(value, condition.Value);
    }

    [Theory]
    [InlineData("FOO,bar,direct", "rules line 1: unknown rule type 'FOO'")]
    [InlineData("IP-CIDR,10.0.0.0/33,direct", "rules line 1: bad CIDR '10.0.0.0/33' (prefix length is not 0-32)")]
    [InlineData("IP-CIDR,10.0.0.0,direct", "rules line 1: bad CIDR '10.0.0.0' (no /prefix-length)")]
    [InlineData("IP-CIDR6,2001:db8::/129,direct", "rules line 1: bad CIDR '2001:db8::/129' (prefix length is not 0-128)")]
    [InlineData("SRC-IP-CIDR,10.0.0.300/8,direct", "rules line 1: bad CIDR '10.0.0.300/8' (not an IP address)")]
    [InlineData("DST-PORT,70000,proxy", "rules line 1: bad port '70000' (a port is 0-65535, a range is first-last)")]
    [InlineData("DST-PORT,2000-1000,proxy", "rules line 1: bad port '2000-1000' (range 2000-1000 is backwards)")]
    [InlineData("SRC-PORT,80/x,proxy", "rules line 1: bad port '80/x' (a port is 0-65535, a range is first-last)")]
    [InlineData("DOMAIN-SUFFIX,google.com", "rules line 1: missing target")]
    [InlineData("DOMAIN-SUFFIX,google.com,", "rules line 1: missing target")]
    [InlineData("DOMAIN-SUFFIX,,proxy", "rules line 1: missing value")]
    [InlineData("MATCH", "rules line 1: missing target")]
    [InlineData("MATCH,direct,proxy", "rules line 1: MATCH takes only a target (MATCH,TARGET)")]
    [InlineData("DOMAIN,example.com,proxyy", "rules line 1: unknown target 'proxyy' (outbounds: direct, proxy, reject)")]
    [InlineData("RULE-SET,trackers,reject", "rules line 1: unknown rule set 'trackers'")]
    [InlineData("IP-CIDR,10.0.0.0/8,direct,no-reslove", "rules line 1: unknown option 'no-reslove' (the only option is no-resolve)")]
    [InlineData("DOMAIN,example.com,direct,no-resolve", "rules line 1: no-resolve applies only to IP-CIDR, IP-CIDR6, SRC-IP-CIDR and RULE-SET")]
    [InlineData("NETWORK,icmp,direct", "rules line 1: bad network 'icmp' (tcp or udp)")]
    [InlineData("DOMAIN,exa mple.com,direct", "rules line 1: bad domain 'exa mple.com' (contains the character ' ')")]
    [InlineData("DOMAIN-REGEX,(ab,direct", "rules line 1: bad regex '(ab' (")]
    [InlineData(@"DOMAIN-REGEX,(a)\1,direct", @"rules line 1: regex '(a)\1' uses a backreference, lookaround or atomic group")]
    [InlineData("DOMAIN-REGEX,(?=a)b,direct", "rules line 1: regex '(?=a)b' uses a backreference, lookaround or atomic group")]
    public void Parse_BadLine_ThrowsNamingLineAndReason(string line, string message)
    {
        var error = Assert.Throws<RuleParseException>(() => Parser.Parse([line]));

        Assert.StartsWith(message, error.Message, StringComparison.Ordinal);
        Assert.Equal(1, error.LineNumber);
        Assert.Equal("rules", error.SourceName);
    }

    [Fact]
    public void Parse_CommentsAndBlankLines_AreSkippedButCounted()
    {
        var rules = Parser.Parse(["# comment", "", "DOMAIN,a.example,direct", "   ", "  # indented comment", "MATCH,proxy"]);

        Assert.Equal([0, 1], rules.Select(r => r.Index));
        Assert.Equal([3, 6], rules.Select(r => r.LineNumber));
        var error = Assert.Throws<RuleParseException>(() => Parser.Parse(["# comment", "", "DOMAIN,a.example,direct", "BAD,x,direct"]));
        Assert.Equal(4, error.LineNumber);
    }

    [Fact]
    public void Parse_PortListsAndRanges_AsMihomoWritesThem()
    {
        var condition = Assert.Single(Assert.Single(Parser.Parse(["DST-PORT,80/443/8000-9000,proxy"])).Conditions);

        Assert.Equal([new PortRange(80, 80), new PortRange(443, 443), new PortRange(8000, 9000)], condition.Ports);
    }

    [Fact]
    public void Parse_CidrWithHostBits_ClearsThem()
    {
        var condition = Assert.Single(Assert.Single(Parser.Parse(["IP-CIDR,10.1.2.3/8,direct,no-resolve"])).Conditions);

        Assert.Equal("10.0.0.0/8", condition.Prefix.ToString());
        Assert.True(condition.NoResolve);
    }

    [Fact]
    public void Parse_RuleSetWithNoResolve_MarksItsIpConditions()
    {
        var rule = Assert.Single(Parser.Parse(["RULE-SET,ads,reject,no-resolve"]));

        Assert.Equal(RuleType.RuleSet, rule.Type);
        Assert.Equal([false, true], rule.Conditions.Select(c => c.NoResolve));
    }

    [Fact]
    public void Parse_WithoutOutboundNames_AcceptsAnyTarget()
    {
        var rule = Assert.Single(new RuleParser().Parse(["MATCH,anything"]));

        Assert.Equal("anything", rule.Target);
    }
}
