using SharpTun.Cli.Config;

namespace SharpTun.EndToEnd.Config;

/// <summary>Broken configuration files: every problem as <c>FILE:LINE: reason</c>, all of them, and no more.</summary>
public sealed class ConfigurationErrorTests : IDisposable
{
    private readonly ConfigurationFiles _files = new();

    public void Dispose() => _files.Dispose();

    /// <summary>A file with one mistake, and the one error it must give.</summary>
    public static TheoryData<string, string> BrokenFiles => new()
    {
        // YAML itself
        { "tun:\n  mtu: 1500\n   queues: 2\n", "test.yaml:3: YAML syntax error: while scanning a plain scalar value, found invalid mapping" },
        { "tun:\n  mtu: 1\n  mtu: 2\n", "test.yaml:3: key 'mtu' appears twice in the same mapping (keep one)" },
        { "tun:\n  routes: [10.0.0.0/8\n", "test.yaml:3: YAML syntax error: while parsing a flow sequence, did not find expected ',' or ']'" },
        { "tun:\n  routes: [10.0.0.0/8\n  mtu: 1500\n", "test.yaml:2: YAML syntax error: the file ends inside a [list] or {mapping} opened on or after this line (a ']' or '}' is missing)" },
        { "tun:\n  device: 'st0\n", "test.yaml:2: YAML syntax error: while scanning a quoted scalar, found unexpected end of stream" },
        { "tun: {}\n---\ndns: {}\n", "test.yaml:3: the file holds more than one YAML document (a second '---'); put everything in one" },
        { "- tun\n", "test.yaml:1: the file must be a mapping of keys (log-level, tun, routing, dns, sniff, outbounds, rule-providers, rules), not a list" },
        // unknown keys, with the hint that fits
        { "tun:\n  mut: 1500\n", "test.yaml:2: unknown key 'mut' in tun (did you mean tun.mtu?)" },
        { "dns:\n  Fake_IP_Range: 198.18.0.0/16\n", "test.yaml:2: unknown key 'Fake_IP_Range' in dns (did you mean dns.fake-ip-range?)" },
        { "mtu: 1500\n", "test.yaml:1: unknown key 'mtu' at the top level (did you mean tun.mtu? it belongs under 'tun:')" },
        { "dns:\n  dns-upstream: system\n", "test.yaml:2: unknown key 'dns-upstream' in dns (the flag --dns-upstream is dns.upstreams in the file)" },
        { "proxies: []\n", "test.yaml:1: unknown key 'proxies' at the top level (known keys: log-level, tun, routing, dns, sniff, outbounds, rule-providers, rules)" },
        { "outbounds:\n  - {name: a, url: \"direct://\", type: socks5}\n", "test.yaml:2: unknown key 'type' in outbounds[0] (known keys: name, url)" },
        // wrong types
        { "tun: sharptun0\n", "test.yaml:1: tun must be a mapping of keys (device, address, mtu, queues, offload, busy-poll, nat-ports, udp-timeout, icmp, pcap, routes), not 'sharptun0'" },
        { "tun:\n  mtu: [1500]\n", "test.yaml:2: tun.mtu must be a whole number 1280-65535, not a list" },
        { "tun:\n  mtu: big\n", "test.yaml:2: tun.mtu must be a whole number 1280-65535, not 'big'" },
        { "tun:\n  offload: yes\n", "test.yaml:2: tun.offload must be true or false, not 'yes'" },
        { "tun:\n  udp-timeout: 60s\n", "test.yaml:2: tun.udp-timeout must be a whole number 1-86400, not '60s'" },
        { "tun:\n  routes: {a: 1}\n", "test.yaml:2: tun.routes must be a list of prefixes, not a mapping" },
        { "tun:\n  address:\n    - [10.0.0.1/24]\n", "test.yaml:3: tun.address[0] must be an address with prefix, not a list" },
        { "outbounds: {name: a}\n", "test.yaml:1: outbounds must be a list of outbounds ({name, url}), not a mapping" },
        { "outbounds:\n  - socks5://10.0.0.1:1080\n", "test.yaml:2: outbounds[0] must be a mapping of keys (name, url), not 'socks5://10.0.0.1:1080'" },
        { "rules: MATCH,DIRECT\n", "test.yaml:1: rules must be a list of rule lines (TYPE,VALUE,TARGET), not 'MATCH,DIRECT'" },
        { "rules:\n  - {MATCH: DIRECT}\n", "test.yaml:2: rules[0] must be a rule line such as DOMAIN-SUFFIX,example.org,DIRECT, not a mapping" },
        { "dns:\n  upstream-timeout: 3\n", "test.yaml:2: dns.upstream-timeout '3' has no unit (write 3s or 3ms)" },
        { "dns:\n  upstream-timeout: 3 days\n", "test.yaml:2: dns.upstream-timeout '3 days' has the unknown unit 'days' (ms, s, m or h)" },
        // values out of range, with the range
        { "log-level: verbose\n", "test.yaml:1: log-level 'verbose' is not one of trace|debug|info|information|warning|error|critical|none" },
        { "tun:\n  mtu: 70000\n", "test.yaml:2: tun.mtu 70000 is out of range (1280-65535)" },
        { "tun:\n  queues: 0\n", "test.yaml:2: tun.queues 0 is out of range (1-256)" },
        { "tun:\n  busy-poll: 20000\n", "test.yaml:2: tun.busy-poll 20000 is out of range (0-10000)" },
        { "tun:\n  icmp: pong\n", "test.yaml:2: tun.icmp 'pong' is not one of reply|forward|drop" },
        { "tun:\n  nat-ports: 5000-100\n", "test.yaml:2: tun.nat-ports '5000-100' is not a port range FIRST-LAST with 1 <= FIRST <= LAST <= 65535 (e.g. 20000-29999)" },
        { "tun:\n  device: a-name-far-too-long\n", "test.yaml:2: tun.device: invalid interface name 'a-name-far-too-long': it must be 1 to 15 bytes long, not 19" },
        { "tun:\n  address: [10.0.0.1]\n", "test.yaml:2: tun.address '10.0.0.1' is not ADDRESS/PREFIX with a valid prefix length (e.g. 198.19.0.1/16 or fdfe:dcba:9876::1/112)" },
        { "tun:\n  address:\n    - 10.0.0.1/16\n    - 10.1.0.1/16\n", "test.yaml:4: tun.address has a second IPv4 address 10.1.0.1/16 after 10.0.0.1/16: the device takes one address per family" },
        { "tun:\n  routes:\n    - 10.0.0.1/8\n", "test.yaml:3: tun.routes '10.0.0.1/8' is not a prefix such as 10.0.0.0/8 (host bits must be zero)" },
        { "routing:\n  fwmark: 0x1FFFFFFFF\n", "test.yaml:2: routing.fwmark must be a number 0-4294967295, decimal or 0x hex, not '0x1FFFFFFFF'" },
        { "routing:\n  fwmark: -1\n", "test.yaml:2: routing.fwmark must be a number 0-4294967295, decimal or 0x hex, not '-1'" },
        { "routing:\n  interface: eth%d\n", "test.yaml:2: routing.interface: 'eth%d' is a pattern; name the interface itself (e.g. eth0)" },
        { "dns:\n  mode: fake\n", "test.yaml:2: dns.mode 'fake' is not one of fake-ip|real|off" },
        { "dns:\n  fake-ip-ttl: 0\n", "test.yaml:2: dns.fake-ip-ttl 0 is out of range (1-3600)" },
        { "dns:\n  fake-ip-range: fc00::/18\n", "test.yaml:2: dns.fake-ip-range 'fc00::/18' is not an IPv4 prefix (e.g. 198.18.0.0/16)" },
        { "dns:\n  fake-ip-range6: fc00::1/18\n", "test.yaml:2: dns.fake-ip-range6 'fc00::1/18' is not a prefix such as fc00::/18 (host bits must be zero)" },
        { "dns:\n  fake-ip-exclude: [\"*.l an\"]\n", "test.yaml:2: dns.fake-ip-exclude '*.l an' is not a name pattern (example.org, *.lan or +.example.org): host 'l an' contains the character ' '" },
        { "dns:\n  upstreams: []\n", "test.yaml:2: dns.upstreams is empty: real answers need at least one resolver (system is the host's own)" },
        { "dns:\n  upstreams: [system, \" \"]\n", "test.yaml:2: dns.upstreams has an empty resolver (system, udp://IP[:PORT], tcp://IP[:PORT], tls://IP[:PORT][#NAME] or https://HOST/PATH)" },
        { "dns:\n  upstream-timeout: 2m\n", "test.yaml:2: dns.upstream-timeout 2m is out of range (100ms-1m)" },
        { "sniff:\n  timeout: 0ms\n", "test.yaml:2: sniff.timeout 0ms is out of range (1ms-10s)" },
        // the fake-IP ranges and the TUN subnet
        { "dns:\n  fake-ip-range: 198.19.0.0/24\n", "test.yaml:2: dns.fake-ip-range 198.19.0.0/24 overlaps the TUN subnet 198.19.0.0/16: fake addresses must lie outside the subnet the NAT draws its endpoints from (move tun.address or dns.fake-ip-range)" },
        { "tun:\n  address: [198.18.0.1/15]\n", "test.yaml:2: the default dns.fake-ip-range 198.18.0.0/16 overlaps the TUN subnet 198.18.0.0/15: fake addresses must lie outside the subnet the NAT draws its endpoints from (move tun.address or dns.fake-ip-range)" },
        { "tun:\n  address: [10.0.0.1/8, \"fc00::1/64\"]\n", "test.yaml:2: the default dns.fake-ip-range6 fc00::/18 overlaps the TUN subnet fc00::/64: fake addresses must lie outside the subnet the NAT draws its endpoints from (move tun.address or dns.fake-ip-range6)" },
        // outbounds
        { "outbounds:\n  - {name: a, url: \"socks5://10.0.0.1\"}\n", "test.yaml:2: outbounds[0].url: socks5 proxy URL 'socks5://10.0.0.1' has no port" },
        { "outbounds:\n  - {name: a, url: \"ss://10.0.0.1:1\"}\n", "test.yaml:2: outbounds[0].url: proxy URL 'ss://10.0.0.1:1' has the unsupported scheme 'ss' (expected direct, socks5, http or reject)" },
        { "outbounds:\n  - {url: \"direct://\"}\n", "test.yaml:2: outbounds[0] has no name (rules send flows to an outbound by its name)" },
        { "outbounds:\n  - name: a\n", "test.yaml:2: outbounds[0] has no url (direct://, socks5://[user:pass@]host:port, http://[user:pass@]host:port or reject://)" },
        { "outbounds:\n  -\n", "test.yaml:2: outbounds[0] is empty: write {name: NAME, url: socks5://HOST:PORT}" },
        { "outbounds:\n  - {name: Direct, url: \"direct://\"}\n", "test.yaml:2: outbounds[0].name 'Direct' is reserved: DIRECT and REJECT exist without being listed" },
        { "outbounds:\n  - {name: \"a,b\", url: \"direct://\"}\n", "test.yaml:2: outbounds[0].name 'a,b' cannot name an outbound: rules split on ',' and trim spaces (use letters, digits, '-', '_', '.')" },
        { "outbounds:\n  - {name: a, url: \"direct://\"}\n  - {name: a, url: \"reject://\"}\n", "test.yaml:3: outbounds[1].name 'a' is already the name of the outbound on line 2" },
        { "outbounds:\n  - {name: proxy-a, url: \"direct://\"}\ndns:\n  upstream-outbound: proxy-b\n", "test.yaml:4: dns.upstream-outbound 'proxy-b' is not an outbound (did you mean proxy-a? outbounds: proxy-a, DIRECT)" },
        { "dns:\n  upstream-outbound: REJECT\n", "test.yaml:2: dns.upstream-outbound cannot be REJECT: the upstreams would never answer (name an outbound or DIRECT)" },
        // rules, each with its own line
        { "rules:\n  - MATCH,DIRECT\n  - DOMAIN-SUFFIX,example.org,proxy\n", "test.yaml:3: bad rule 'DOMAIN-SUFFIX,example.org,proxy': unknown target 'proxy' (outbounds: DIRECT, REJECT)" },
        { "rules:\n  - IP-CIDR,10.0.0.0/33,DIRECT\n", "test.yaml:2: bad rule 'IP-CIDR,10.0.0.0/33,DIRECT': bad CIDR '10.0.0.0/33' (prefix length is not 0-32)" },
        { "rules:\n  - DOMAN,example.org,DIRECT\n", "test.yaml:2: bad rule 'DOMAN,example.org,DIRECT': unknown rule type 'DOMAN'" },
        { "rules:\n  - DST-PORT,443,DIRECT,no-resolve\n", "test.yaml:2: bad rule 'DST-PORT,443,DIRECT,no-resolve': no-resolve applies only to IP-CIDR, IP-CIDR6, SRC-IP-CIDR and RULE-SET" },
        { "rules:\n  - DOMAIN-REGEX,(a)\\1,DIRECT\n", "test.yaml:2: bad rule 'DOMAIN-REGEX,(a)\\1,DIRECT': regex '(a)\\1' uses a backreference, lookaround or atomic group, which linear-time matching does not support" },
        { "rules:\n  - RULE-SET,ads,REJECT\n", "test.yaml:2: bad rule 'RULE-SET,ads,REJECT': unknown rule set 'ads'" },
        { "rules:\n  - \"# MATCH,DIRECT\"\n", "test.yaml:2: rules[0] '# MATCH,DIRECT' is blank or a '#' comment, not a rule" },
        // rule providers
        { "rule-providers:\n  ads: {behavior: domains, path: ads.txt}\n", "test.yaml:2: rule-providers.ads.behavior 'domains' is not one of classical|domain|ipcidr" },
        { "rule-providers:\n  ads: {path: ads.txt}\n", "test.yaml:2: rule-providers.ads has no behavior (classical: rule lines without a target; domain: example.org, +.example.org; ipcidr: 10.0.0.0/8)" },
        { "rule-providers:\n  ads:\n", "test.yaml:2: rule-providers.ads is empty: write {behavior: classical|domain|ipcidr, path: FILE}" },
        { "rule-providers:\n  ads: {behavior: domain, paht: ads.txt}\n", "test.yaml:2: unknown key 'paht' in rule-providers.ads (did you mean rule-providers.ads.path?)" },
    };

    [Theory]
    [MemberData(nameof(BrokenFiles))]
    public void Parse_BrokenFile_NamesTheLineAndTheReason(string yaml, string expected)
    {
        var errors = _files.Errors(yaml);

        // The "has no path" that comes with a missing key is a second, true error; the rest give one.
        Assert.Equal(expected, errors[0]);
        Assert.True(errors.Count == 1 || yaml.Contains("paht", StringComparison.Ordinal), string.Join("\n", errors));
    }

    [Fact]
    public void Parse_ManyMistakes_ReportsEveryOneInFileOrder()
    {
        var errors = _files.Errors(
            """
            rules:
              - MATCH,nowhere
            tun:
              mtu: 1
              queues: 0
            outbounds:
              - {name: a, url: "socks5://h"}
            dns:
              mode: fake
            """);

        Assert.Equal(
            [
                "test.yaml:2: bad rule 'MATCH,nowhere': unknown target 'nowhere' (outbounds: DIRECT, REJECT, a)",
                "test.yaml:4: tun.mtu 1 is out of range (1280-65535)",
                "test.yaml:5: tun.queues 0 is out of range (1-256)",
                "test.yaml:7: outbounds[0].url: socks5 proxy URL 'socks5://h' has no port",
                "test.yaml:9: dns.mode 'fake' is not one of fake-ip|real|off",
            ],
            errors);
    }

    [Fact]
    public void Parse_TooManyMistakes_StopsListingAtTheLimit()
    {
        var yaml = "rules:\n" + string.Concat(Enumerable.Range(0, 70).Select(i => $"  - MATCH,nowhere{i}\n"));

        var errors = _files.Errors(yaml);

        Assert.Equal(ConfigurationFile.MaximumErrors + 1, errors.Count);
        Assert.StartsWith("test.yaml:2: bad rule 'MATCH,nowhere0'", errors[0]);
        Assert.Equal("test.yaml: 20 more errors not shown (fix the ones above first)", errors[^1]);
    }

    [Fact]
    public void Parse_MissingRuleProviderFile_NamesItsPath()
    {
        var errors = _files.Errors("rule-providers:\n  ads:\n    behavior: domain\n    path: lists/ads.txt\nrules:\n  - RULE-SET,ads,REJECT\n");

        Assert.Equal([$"test.yaml:4: rule-providers.ads.path: cannot read {Path.Combine(_files.Directory, "lists", "ads.txt")}: no such file or directory"], errors);
    }

    [Fact]
    public void Parse_BadLineInRuleProviderFile_NamesThatFileAndLine()
    {
        var list = _files.Write("lan.txt", "10.0.0.0/8\n# comment\nnot-a-prefix\n");

        var errors = _files.Errors("rule-providers:\n  lan: {behavior: ipcidr, path: lan.txt}\nrules:\n  - RULE-SET,lan,DIRECT\n");

        Assert.Equal([$"{list}:3: rule provider 'lan' (ipcidr): bad CIDR 'not-a-prefix' (no /prefix-length)"], errors);
    }

    [Fact]
    public void Load_MissingFile_SaysSo()
    {
        var path = Path.Combine(_files.Directory, "absent.yaml");

        var e = Assert.Throws<ConfigurationException>(() => ConfigurationFile.Load(path));

        Assert.Equal($"{path}: cannot read the configuration file: no such file or directory", Assert.Single(e.Errors).ToString());
    }
}
