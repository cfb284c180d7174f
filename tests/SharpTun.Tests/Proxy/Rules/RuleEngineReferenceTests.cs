using System.Net;
using CsCheck;
using SharpTun.Proxy.Rules;

namespace SharpTun.Tests.Proxy.Rules;

/// <summary>
/// The compiled engine against <see cref="ReferenceRuleMatcher"/> on random rule lists and random
/// connections. Values come from small alphabets (labels a, b, ab; addresses in 10.0.0.0/22;
/// ports 0-12) so that suffixes, keywords, prefixes and ranges overlap and many rules compete for
/// the same lookup.
/// </summary>
public sealed class RuleEngineReferenceTests
{
    private static readonly Gen<string> Label = Gen.OneOf("a", "b", "ab", "ba", "abc");

    private static readonly Gen<string> DomainName =
        Label.Array[1, 4].Select(labels => string.Join('.', labels));

    // Upper case and a trailing dot must not change the answer.
    private static readonly Gen<string> QueriedDomain = Gen.Select(DomainName, Gen.Int[0, 5],
        (domain, variant) => variant switch { 0 => domain.ToUpperInvariant(), 1 => domain + ".", _ => domain });

    private static readonly Gen<string> Keyword = Gen.OneOf("a", "b.a", "ab", "ba.", "abc", "c.ab", "bb");

    private static readonly Gen<string> Regex = Gen.OneOf("^ab", @"b\.a$", "c.*c", "^a[.]b+$");

    private static readonly Gen<IPAddress> Ipv4Address =
        Gen.Int[0, 1023].Select(n => new IPAddress(new byte[] { 10, 0, (byte)(n >> 8), (byte)n }));

    private static readonly Gen<IPAddress> Ipv6Address =
        Gen.Int[0, 1023].Select(n => new IPAddress(new byte[] { 0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte)(n >> 8), (byte)n }));

    private static readonly Gen<IPAddress> Address = Gen.Frequency(
        (6, Ipv4Address),
        (3, Ipv6Address),
        (1, Ipv4Address.Select(address => address.MapToIPv6())));

    private static readonly Gen<string> Ipv4Cidr = Gen.Select(Ipv4Address, Gen.Int[0, 32], (address, length) => $"{address}/{length}");

    private static readonly Gen<string> Ipv6Cidr = Gen.Select(Ipv6Address, Gen.Int[0, 128], (address, length) => $"{address}/{length}");

    private static readonly Gen<string> Cidr = Gen.Frequency(
        (3, Ipv4Cidr),
        (1, Ipv6Cidr),
        // Short prefixes, so that some match everything of their family.
        (1, Gen.Select(Ipv4Address, Gen.Int[0, 22], (address, length) => $"{address}/{length}")));

    private static readonly Gen<int> Port = Gen.Int[0, 12];

    private static readonly Gen<string> Ports = Gen.Select(Port, Gen.Int[0, 4], (first, width) => width == 0 ? $"{first}" : $"{first}-{first + width}")
        .Array[1, 3].Select(parts => string.Join('/', parts));

    private static readonly Gen<string> NoResolve = Gen.Frequency((1, Gen.Const(",no-resolve")), (2, Gen.Const("")));

    private static readonly Gen<string> ProcessName = Gen.OneOf("curl", "Firefox", "ssh");

    /// <summary>A rule line without its target, as a classical rule-set file holds it.</summary>
    private static readonly Gen<string> Condition = Gen.Frequency(
        (6, DomainName.Select(domain => $"DOMAIN-SUFFIX,{domain}")),
        (3, DomainName.Select(domain => $"DOMAIN,{domain}")),
        (2, Keyword.Select(keyword => $"DOMAIN-KEYWORD,{keyword}")),
        (1, Regex.Select(regex => $"DOMAIN-REGEX,{regex}")),
        (6, Gen.Select(Cidr, NoResolve, (cidr, option) => $"IP-CIDR,{cidr}{option}")),
        (2, Cidr.Select(cidr => $"SRC-IP-CIDR,{cidr}")),
        (2, Ports.Select(ports => $"DST-PORT,{ports}")),
        (1, Ports.Select(ports => $"SRC-PORT,{ports}")),
        (1, Gen.OneOf("NETWORK,tcp", "NETWORK,udp")),
        (1, ProcessName.Select(name => $"PROCESS-NAME,{name.ToLowerInvariant()}")));

    private static readonly Gen<string> DomainSetLine = Gen.Select(DomainName, Gen.OneOf("", "+.", "."), (domain, prefix) => prefix + domain);

    private static readonly Gen<string> RuleLine = Gen.Frequency(
        (20, Condition.Select(condition => condition.Replace(",no-resolve", ",target,no-resolve") is var line && line != condition ? line : condition + ",target")),
        (1, Gen.OneOf("RULE-SET,classical,target", "RULE-SET,domains,target", "RULE-SET,cidrs,target", "RULE-SET,cidrs,target,no-resolve")),
        (1, Gen.Const("MATCH,target")));

    private static readonly Gen<RuleContext> Context =
        from domain in QueriedDomain.Null(0.2)
        from destination in Address.Null(0.25)
        from resolved in Gen.Bool
        from source in Address.Null(0.33)
        from destinationPort in Port
        from sourcePort in Port
        from udp in Gen.Bool
        from process in ProcessName.Null(0.5)
        select new RuleContext
        {
            Domain = domain,
            DestinationAddress = destination,
            DestinationAddressIsResolved = resolved,
            SourceAddress = source,
            DestinationPort = destinationPort,
            SourcePort = sourcePort,
            Network = udp ? RuleNetwork.Udp : RuleNetwork.Tcp,
            ProcessName = process,
        };

    private static readonly Gen<Dictionary<string, RuleProvider>> Providers =
        from classical in Condition.Array[0, 20]
        from domains in DomainSetLine.Array[0, 20]
        from cidrs in Cidr.Array[0, 20]
        select new Dictionary<string, RuleProvider>
        {
            ["classical"] = RuleProvider.Parse("classical", RuleProviderBehavior.Classical, classical, "classical"),
            ["domains"] = RuleProvider.Parse("domains", RuleProviderBehavior.Domain, domains, "domains"),
            ["cidrs"] = RuleProvider.Parse("cidrs", RuleProviderBehavior.IpCidr, cidrs, "cidrs"),
        };

    [Fact]
    public void Decide_AgreesWithTopToBottomScan_OnRandomRuleSets()
    {
        Gen.Select(Providers, RuleLine.Array[1, 120], Context.Array[50])
            .Sample((providers, lines, contexts) =>
            {
                // Number the targets, so that a wrong rule with the right target still fails.
                var numbered = lines.Select((line, i) => line.Replace(",target", $",t{i}")).ToArray();
                var rules = new RuleParser(ruleSets: providers).Parse(numbered);
                var engine = new RuleEngine(rules);
                foreach (var context in contexts)
                {
                    var expected = ReferenceRuleMatcher.FirstMatch(rules, context);
                    var decision = engine.Decide(context);
                    Assert.True(expected == decision.RuleIndex,
                        $"expected rule {expected}, engine said {decision} for domain={context.Domain} dst={context.DestinationAddress} resolved={context.DestinationAddressIsResolved} src={context.SourceAddress} dport={context.DestinationPort} sport={context.SourcePort} {context.Network} process={context.ProcessName}");
                }
            }, iter: 400);
    }
}
