using System.Collections;
using System.Net;
using Microsoft.Extensions.Logging;
using SharpTun.Cli.Config;
using SharpTun.Cli.Settings;
using SharpTun.Host;
using SharpTun.Proxy;
using SharpTun.Proxy.Rules;
using SharpTun.Stack.Nat;
using SharpTun.Stack.Proxy;

namespace SharpTun.EndToEnd.Config;

/// <summary>Good configuration files and the <see cref="ProxySettings"/> they map to.</summary>
public sealed class ConfigurationFileTests : IDisposable
{
    private readonly ConfigurationFiles _files = new();

    public void Dispose() => _files.Dispose();

    [Fact]
    public void Load_Example_MapsEveryKey()
    {
        var examples = Path.GetDirectoryName(ConfigurationFiles.ExamplePath)!;

        var settings = ConfigurationFile.Load(ConfigurationFiles.ExamplePath);

        var expected = new ProxySettings
        {
            LogLevel = LogLevel.Information,
            DeviceName = "sharptun0",
            Addresses = [InterfaceAddress.Parse("198.19.0.1/16"), InterfaceAddress.Parse("fdfe:dcba:9876::1/112")],
            Mtu = 65535,
            Queues = 2,
            Offload = true,
            BusyPollMicroseconds = 0,
            NatPorts = new NatPoolOptions { FirstPort = 1024, LastPort = 65535 },
            UdpTimeoutSeconds = 60,
            Icmp = IcmpMode.Reply,
            PcapPath = null,
            Routes = [IPNetwork.Parse("10.0.0.0/8")],
            FirewallMark = 0x233,
            Interface = "eth0",
            Dns = new DnsSettings
            {
                Mode = DnsMode.FakeIp,
                Hijack = true,
                FakeIpv4Range = IPNetwork.Parse("198.18.0.0/16"),
                FakeIpv6Range = IPNetwork.Parse("fc00::/18"),
                FakeIpTtlSeconds = 1,
                FakeIpExclude = ["*.lan", "*.local", "*.home.arpa", "+.pool.ntp.org", "+.corp.example.com"],
                FakeIpStore = "/var/lib/sharptun/fake-ip.txt",
                Upstreams = ["system", "tls://1.1.1.1#cloudflare-dns.com", "https://8.8.8.8/dns-query#dns.google"],
                UpstreamTimeout = TimeSpan.FromSeconds(3),
                UpstreamOutbound = "proxy-a",
            },
            Sniff = new SniffSettings { Enabled = true, Timeout = TimeSpan.FromMilliseconds(300) },
            Outbounds =
            [
                new NamedOutbound("proxy-a", ProxyUri.Parse("socks5://user:pass@192.0.2.1:1080")),
                new NamedOutbound("corp", ProxyUri.Parse("http://proxy.corp.example.com:3128")),
            ],
            Rules = settings.Rules, // compared line by line below
        };
        AssertSettings(expected, settings);

        // Each rule keeps its index and the line it is on in the file; the rule sets were loaded from
        // paths relative to the example's directory.
        var lines = File.ReadAllLines(ConfigurationFiles.ExamplePath);
        string[] texts =
        [
            "RULE-SET,lan,DIRECT,no-resolve", "DOMAIN-SUFFIX,lan,DIRECT", "RULE-SET,ads,REJECT", "DOMAIN-SUFFIX,corp.example.com,corp",
            "IP-CIDR,10.0.0.0/8,corp,no-resolve", "DOMAIN-SUFFIX,example.org,proxy-a", "DOMAIN-KEYWORD,tracker,REJECT", "NETWORK,udp,DIRECT",
            "MATCH,proxy-a",
        ];
        Assert.Equal(texts, settings.Rules.Select(r => r.Text));
        for (var i = 0; i < texts.Length; i++)
        {
            Assert.Equal(i, settings.Rules[i].Index);
            Assert.Equal(Array.FindIndex(lines, l => l.TrimStart().StartsWith("- " + texts[i], StringComparison.Ordinal)) + 1, settings.Rules[i].LineNumber);
        }
        Assert.Equal(RuleProvider.Load("lan", RuleProviderBehavior.IpCidr, Path.Combine(examples, "rules", "lan.txt")).Conditions.Count,
            settings.Rules[0].Conditions.Count);
        Assert.Equal(RuleProvider.Load("ads", RuleProviderBehavior.Domain, Path.Combine(examples, "rules", "ads.txt")).Conditions.Count,
            settings.Rules[2].Conditions.Count);
    }

    [Theory]
    [InlineData("")]
    [InlineData("# nothing but a comment\n")]
    [InlineData("~\n")]
    [InlineData("tun:\ndns:\nsniff: ~\nrouting: null\noutbounds:\nrules:\nrule-providers:\n")]
    [InlineData("tun: {}\ndns: {}\nsniff: {}\nrouting: {}\noutbounds: []\nrules: []\nrule-providers: {}\n")]
    public void Parse_EmptyFile_GivesTheDefaults(string yaml)
    {
        var settings = ConfigurationFile.Parse(yaml, "test.yaml", _files.Directory);

        AssertSettings(new ProxySettings(), settings);
    }

    [Fact]
    public void Parse_NullValues_MeanTheDefaults()
    {
        var settings = ConfigurationFile.Parse("log-level:\ntun:\n  mtu: ~\n  pcap: null\n  address:\ndns:\n  upstreams:\n", "test.yaml", _files.Directory);

        AssertSettings(new ProxySettings(), settings);
    }

    [Fact]
    public void Parse_DefaultFakeIpRange_StaysOutsideTheDefaultTunSubnet()
    {
        var settings = ConfigurationFile.Parse("dns:\n  mode: fake-ip\n", "test.yaml", _files.Directory);

        Assert.False(settings.Dns.FakeIpv4Range.Contains(Cli.Commands.ProxyRuntime.DefaultIpv4.Address));
        Assert.False(Cli.Commands.ProxyRuntime.DefaultIpv4.Network.Contains(settings.Dns.FakeIpv4Range.BaseAddress));
        Assert.False(settings.Dns.FakeIpv6Range.Contains(Cli.Commands.ProxyRuntime.DefaultIpv6.Address));
    }

    [Fact]
    public void Load_RuleProviderPath_IsRelativeToTheConfigurationFile()
    {
        _files.Write("etc/lists/block.txt", "+.ads.example\n# a comment\ntracker.example\n");
        var path = _files.Write("etc/sharptun.yaml", "rule-providers:\n  block: {behavior: domain, path: lists/block.txt}\nrules:\n  - RULE-SET,block,REJECT\n");
        var elsewhere = Environment.CurrentDirectory;

        var settings = ConfigurationFile.Load(path);

        Assert.Equal(elsewhere, Environment.CurrentDirectory);
        var rule = Assert.Single(settings.Rules);
        Assert.Equal(RuleType.RuleSet, rule.Type);
        Assert.Equal("REJECT", rule.Target);
        Assert.Equal(4, rule.LineNumber);
        Assert.Equal(["ads.example", "tracker.example"], rule.Conditions.Select(c => c.Value));
    }

    [Fact]
    public void Load_FilePaths_AreRelativeToTheConfigurationFile()
    {
        var path = _files.Write("etc/sharptun.yaml", "tun:\n  pcap: capture.pcap\ndns:\n  fake-ip-store: /var/lib/fake.txt\n");

        var settings = ConfigurationFile.Load(path);

        Assert.Equal(Path.Combine(_files.Directory, "etc", "capture.pcap"), settings.PcapPath);
        Assert.Equal("/var/lib/fake.txt", settings.Dns.FakeIpStore);
    }

    [Theory]
    [InlineData("routing:\n  fwmark: 563\n", 563u)]
    [InlineData("routing:\n  fwmark: 0x233\n", 0x233u)]
    [InlineData("routing:\n  fwmark: 0XFFFFFFFF\n", 0xFFFFFFFFu)]
    [InlineData("routing:\n  fwmark: \"0\"\n", 0u)]
    public void Parse_FirewallMark_DecimalOrHex(string yaml, uint expected) =>
        Assert.Equal(expected, ConfigurationFile.Parse(yaml, "test.yaml", _files.Directory).FirewallMark);

    [Fact]
    public void Parse_SingleValue_StandsForAListOfOne()
    {
        var settings = ConfigurationFile.Parse("tun:\n  address: 10.7.0.1/24\n  routes: 10.0.0.0/8\ndns:\n  upstreams: tls://9.9.9.9\n", "test.yaml", _files.Directory);

        Assert.Equal([InterfaceAddress.Parse("10.7.0.1/24")], settings.Addresses);
        Assert.Equal([IPNetwork.Parse("10.0.0.0/8")], settings.Routes);
        Assert.Equal(["tls://9.9.9.9"], settings.Dns.Upstreams);
    }

    [Theory]
    [InlineData("trace", LogLevel.Trace)]
    [InlineData("debug", LogLevel.Debug)]
    [InlineData("info", LogLevel.Information)]
    [InlineData("Information", LogLevel.Information)]
    [InlineData("warning", LogLevel.Warning)]
    [InlineData("error", LogLevel.Error)]
    [InlineData("none", LogLevel.None)]
    public void Parse_LogLevel_TakesTheNamesAnyCase(string name, LogLevel expected) =>
        Assert.Equal(expected, ConfigurationFile.Parse($"log-level: {name}\n", "test.yaml", _files.Directory).LogLevel);

    [Theory]
    [InlineData("300ms", 300)]
    [InlineData("3s", 3_000)]
    [InlineData("1m", 60_000)]
    public void Parse_Durations_TakeTheirUnit(string text, int milliseconds) =>
        Assert.Equal(TimeSpan.FromMilliseconds(milliseconds),
            ConfigurationFile.Parse($"dns:\n  upstream-timeout: {text}\n", "test.yaml", _files.Directory).Dns.UpstreamTimeout);

    [Fact]
    public void Parse_UpstreamOutboundDirect_MeansNone() =>
        Assert.Null(ConfigurationFile.Parse("dns:\n  upstream-outbound: DIRECT\n", "test.yaml", _files.Directory).Dns.UpstreamOutbound);

    [Fact]
    public void Parse_OnlyIpv6Address_KeepsTheDefaultIpv4SubnetOutOfTheFakeRange()
    {
        // With only an IPv6 address the proxy still puts 198.19.0.1/16 on the device, so a fake
        // range inside it is refused although tun.address does not name it.
        var errors = _files.Errors("tun:\n  address: fd00:1::1/64\ndns:\n  fake-ip-range: 198.19.128.0/17\n");

        Assert.Equal(["test.yaml:4: dns.fake-ip-range 198.19.128.0/17 overlaps the TUN subnet 198.19.0.0/16: fake addresses must lie "
            + "outside the subnet the NAT draws its endpoints from (move tun.address or dns.fake-ip-range)"], errors);
    }

    [Fact]
    public void Parse_Anchors_AreResolved()
    {
        var settings = ConfigurationFile.Parse("outbounds:\n  - &a {name: a, url: \"socks5://10.0.0.1:1080\"}\nrules:\n  - &r MATCH,a\n", "test.yaml", _files.Directory);

        Assert.Equal("a", Assert.Single(settings.Outbounds).Name);
        Assert.Equal("MATCH,a", Assert.Single(settings.Rules).Text);
    }

    /// <summary>Compares settings property by property: lists by their items, rules by text, index and line.</summary>
    [System.Diagnostics.CodeAnalysis.UnconditionalSuppressMessage("Trimming", "IL2075", Justification = "Tests run under the JIT, never trimmed.")]
    private static void AssertSettings(object? expected, object? actual, string path = "settings")
    {
        if (expected is null || actual is null)
        {
            Assert.True(expected is null && actual is null, $"{path}: expected {expected ?? "null"}, got {actual ?? "null"}");
            return;
        }
        switch (expected)
        {
            case Rule rule:
                var other = Assert.IsType<Rule>(actual);
                Assert.True((rule.Index, rule.LineNumber, rule.Text, rule.Target) == (other.Index, other.LineNumber, other.Text, other.Target), $"{path}: {rule} != {other}");
                return;
            case string or IPNetwork or InterfaceAddress or NamedOutbound or NatPoolOptions or IComparable:
                Assert.True(Equals(expected, actual), $"{path}: expected {expected}, got {actual}");
                return;
            case IEnumerable items:
                var left = items.Cast<object>().ToList();
                var right = ((IEnumerable)actual).Cast<object>().ToList();
                Assert.True(left.Count == right.Count, $"{path}: expected {left.Count} items, got {right.Count}");
                for (var i = 0; i < left.Count; i++)
                    AssertSettings(left[i], right[i], $"{path}[{i}]");
                return;
        }
        foreach (var property in expected.GetType().GetProperties())
        {
            if (property.GetIndexParameters().Length == 0 && property.GetMethod is { IsStatic: false })
                AssertSettings(property.GetValue(expected), property.GetValue(actual), $"{path}.{property.Name}");
        }
    }
}
