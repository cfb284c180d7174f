using System.Net;
using BenchmarkDotNet.Attributes;
using SharpTun.Proxy.Rules;

namespace SharpTun.Benchmarks.Proxy;

/// <summary>
/// <see cref="RuleEngine.Decide"/> over <see cref="RuleCount"/> rules shaped like real rule sets
/// (mostly DOMAIN-SUFFIX and IP-CIDR, some DOMAIN, DOMAIN-KEYWORD, SRC-IP-CIDR and DST-PORT, MATCH
/// last) for a stream of <see cref="LookupCount"/> connections by domain, by address or half each,
/// about half of them hitting a rule and the rest falling through to MATCH (the slowest case, as
/// nothing stops a walk early). Time is per lookup. Setup prints the compiled engine's memory.
/// </summary>
[ShortRunJob]
[MemoryDiagnoser]
public class RuleEngineBenchmarks
{
    private const int LookupCount = 4096;
    private static readonly string[] TopLevelDomains = ["com", "net", "org", "cn", "io"];

    private RuleEngine _engine = null!;
    private RuleContext[] _lookups = null!;

    /// <summary>Rules in the engine: a handful, and a large rule set.</summary>
    [Params(10, 100_000)]
    public int RuleCount { get; set; }

    /// <summary>Which connections: "domains", "addresses" or "mixed" (half each).</summary>
    [Params("mixed", "domains", "addresses")]
    public string Lookups { get; set; } = "mixed";

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(4);
        var lines = new List<string>(RuleCount + 1);
        var ruleDomains = new List<string>();
        var rulePrefixes = new List<(uint Address, int Length)>();
        for (var i = 0; i < RuleCount - 1; i++)
        {
            var kind = random.Next(100);
            if (kind < 55)
            {
                var domain = RandomDomain(random);
                ruleDomains.Add(domain);
                lines.Add($"DOMAIN-SUFFIX,{domain},proxy");
            }
            else if (kind < 63)
            {
                lines.Add($"DOMAIN,{RandomLabel(random)}.{RandomDomain(random)},proxy");
            }
            else if (kind < 65)
            {
                lines.Add($"DOMAIN-KEYWORD,{RandomLabel(random)},reject");
            }
            else if (kind < 95)
            {
                var length = random.Next(12, 25);
                var address = (uint)random.Next() << 1 & (uint.MaxValue << (32 - length));
                rulePrefixes.Add((address, length));
                lines.Add($"IP-CIDR,{ToAddress(address)}/{length},direct{(kind % 2 == 0 ? ",no-resolve" : "")}");
            }
            else if (kind < 97)
            {
                lines.Add($"IP-CIDR6,2001:db8:{random.Next(65536):x}::/48,direct");
            }
            else if (kind < 99)
            {
                lines.Add($"SRC-IP-CIDR,192.168.{random.Next(256)}.0/24,direct");
            }
            else
            {
                var port = random.Next(1024, 60000);
                lines.Add(random.Next(2) == 0 ? $"DST-PORT,{port},direct" : $"DST-PORT,{port}-{port + random.Next(1, 100)},direct");
            }
        }
        lines.Add("MATCH,direct");
        var rules = new RuleParser().Parse(lines);

        var before = GC.GetTotalMemory(forceFullCollection: true);
        _engine = new RuleEngine(rules);
        var after = GC.GetTotalMemory(forceFullCollection: true);
        Console.WriteLine($"// {RuleCount} rules: compiled engine holds {(after - before) / 1e6:F1} MB beyond the parsed rules");

        _lookups = new RuleContext[LookupCount];
        for (var i = 0; i < LookupCount; i++)
        {
            var hit = random.Next(2) == 0;
            var port = random.Next(2) == 0 ? 443 : random.Next(1024, 65536);
            var byDomain = Lookups switch { "domains" => true, "addresses" => false, _ => i % 2 == 0 };
            if (byDomain)
            {
                var domain = hit && ruleDomains.Count > 0
                    ? $"{RandomLabel(random)}.{ruleDomains[random.Next(ruleDomains.Count)]}"
                    : $"www.{RandomDomain(random)}";
                _lookups[i] = new RuleContext { Domain = domain, DestinationPort = port, Network = RuleNetwork.Tcp };
            }
            else
            {
                var address = hit && rulePrefixes.Count > 0
                    ? rulePrefixes[random.Next(rulePrefixes.Count)].Address | (uint)random.Next(256)
                    : (uint)random.Next() << 1;
                _lookups[i] = new RuleContext
                {
                    DestinationAddress = ToAddress(address),
                    DestinationPort = port,
                    SourceAddress = IPAddress.Parse("10.0.0.2"),
                    SourcePort = random.Next(32768, 61000),
                    Network = random.Next(4) == 0 ? RuleNetwork.Udp : RuleNetwork.Tcp,
                };
            }
        }
    }

    [Benchmark(OperationsPerInvoke = LookupCount)]
    public int Decide()
    {
        var sum = 0;
        foreach (ref readonly var context in _lookups.AsSpan())
            sum += _engine.Decide(context).RuleIndex;
        return sum;
    }

    private static string RandomDomain(Random random) =>
        (random.Next(3) == 0 ? RandomLabel(random) + "." : "") + RandomLabel(random) + "." + TopLevelDomains[random.Next(TopLevelDomains.Length)];

    private static string RandomLabel(Random random)
    {
        Span<char> label = stackalloc char[random.Next(3, 11)];
        for (var i = 0; i < label.Length; i++)
            label[i] = (char)('a' + random.Next(26));
        return new string(label);
    }

    private static IPAddress ToAddress(uint address) => new([(byte)(address >> 24), (byte)(address >> 16), (byte)(address >> 8), (byte)address]);
}
