using System.Net;
using SharpTun.Proxy.Rules;

namespace SharpTun.Tests.Proxy.Rules;

public sealed class RuleProviderTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("sharptun-rules-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private string WriteFile(string name, params string[] lines)
    {
        var path = Path.Combine(_directory, name);
        File.WriteAllLines(path, lines);
        return path;
    }

    private static RuleEngine Compile(RuleProvider provider, params string[] lines) =>
        new(new RuleParser(ruleSets: new Dictionary<string, RuleProvider> { [provider.Name] = provider }).Parse(lines));

    [Fact]
    public void Load_Classical_RuleLinesWithoutTargets()
    {
        var path = WriteFile("classical.txt", "# trackers", "DOMAIN-SUFFIX,ads.example", "", "DOMAIN-KEYWORD,tracker", "IP-CIDR,192.0.2.0/24,no-resolve", "DST-PORT,6881-6889");
        var provider = RuleProvider.Load("trackers", RuleProviderBehavior.Classical, path);
        var engine = Compile(provider, "DOMAIN,keep.ads.example,direct", "RULE-SET,trackers,reject", "MATCH,proxy");

        Assert.Equal(4, provider.Conditions.Count);
        Assert.Equal("direct", engine.Decide(new RuleContext { Domain = "keep.ads.example" }).Target);
        Assert.Equal("reject", engine.Decide(new RuleContext { Domain = "x.ads.example" }).Target);
        Assert.Equal("reject", engine.Decide(new RuleContext { Domain = "mytracker.org" }).Target);
        Assert.Equal("reject", engine.Decide(new RuleContext { DestinationAddress = IPAddress.Parse("192.0.2.9") }).Target);
        Assert.Equal("proxy", engine.Decide(new RuleContext { DestinationAddress = IPAddress.Parse("192.0.2.9"), DestinationAddressIsResolved = true }).Target);
        Assert.Equal("reject", engine.Decide(new RuleContext { DestinationPort = 6885 }).Target);
        var decision = engine.Decide(new RuleContext { Domain = "x.ads.example" });
        Assert.Equal("RULE-SET,trackers,reject", decision.Rule!.Text);
    }

    [Fact]
    public void Load_Domain_PlusDotIsSuffix_DotIsSubdomainsOnly_PlainIsExact()
    {
        var path = WriteFile("domains.txt", "+.suffix.example", ".sub.example", "exact.example");
        var engine = Compile(RuleProvider.Load("domains", RuleProviderBehavior.Domain, path), "RULE-SET,domains,hit", "MATCH,miss");

        Assert.Equal("hit", engine.Decide(new RuleContext { Domain = "suffix.example" }).Target);
        Assert.Equal("hit", engine.Decide(new RuleContext { Domain = "a.suffix.example" }).Target);
        Assert.Equal("miss", engine.Decide(new RuleContext { Domain = "sub.example" }).Target);
        Assert.Equal("hit", engine.Decide(new RuleContext { Domain = "a.b.sub.example" }).Target);
        Assert.Equal("hit", engine.Decide(new RuleContext { Domain = "exact.example" }).Target);
        Assert.Equal("miss", engine.Decide(new RuleContext { Domain = "a.exact.example" }).Target);
    }

    [Fact]
    public void Load_IpCidr_PlainPrefixes_NoResolveFromTheRuleSetLine()
    {
        var path = WriteFile("cidrs.txt", "10.0.0.0/8", "2001:db8::/32");
        var engine = Compile(RuleProvider.Load("lan", RuleProviderBehavior.IpCidr, path), "RULE-SET,lan,direct,no-resolve", "MATCH,proxy");

        Assert.Equal("direct", engine.Decide(new RuleContext { DestinationAddress = IPAddress.Parse("10.9.9.9") }).Target);
        Assert.Equal("direct", engine.Decide(new RuleContext { DestinationAddress = IPAddress.Parse("2001:db8::9") }).Target);
        Assert.Equal("proxy", engine.Decide(new RuleContext { DestinationAddress = IPAddress.Parse("10.9.9.9"), DestinationAddressIsResolved = true }).Target);
    }

    [Theory]
    [InlineData(RuleProviderBehavior.Classical, "DOMAIN-SUFFIX,ok.example|FOO,bar", 2, "unknown rule type 'FOO'")]
    [InlineData(RuleProviderBehavior.Classical, "MATCH,direct", 1, "MATCH cannot appear inside a rule set")]
    [InlineData(RuleProviderBehavior.Classical, "DOMAIN,a.example,direct", 1, "unexpected field 'direct' (rule-set lines have no target; the only option is no-resolve)")]
    [InlineData(RuleProviderBehavior.Domain, "#c|*.example.com", 2, "wildcard '*' is not supported in '*.example.com' (use +.example.com or .example.com)")]
    [InlineData(RuleProviderBehavior.Domain, "a..example", 1, "bad domain 'a..example' (has an empty label)")]
    [InlineData(RuleProviderBehavior.IpCidr, "10.0.0.0/8|10.0.0.0/40", 2, "bad CIDR '10.0.0.0/40' (prefix length is not 0-32)")]
    public void Load_BadLine_ThrowsNamingFileAndLine(RuleProviderBehavior behavior, string lines, int lineNumber, string reason)
    {
        var path = WriteFile("bad.txt", lines.Split('|'));

        var error = Assert.Throws<RuleParseException>(() => RuleProvider.Load("bad", behavior, path));

        Assert.Equal($"{path} line {lineNumber}: {reason}", error.Message);
    }
}
