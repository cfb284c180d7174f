using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;

namespace SharpTun.Proxy.Rules;

/// <summary>
/// Parses rule lines as mihomo writes them: <c>TYPE,VALUE,TARGET[,no-resolve]</c>, <c>MATCH,TARGET</c>
/// and <c>RULE-SET,NAME,TARGET</c>. Blank lines and lines starting with '#' are skipped. A line that
/// cannot be used throws <see cref="RuleParseException"/> naming the line and the reason, so a typo
/// in a config stops startup rather than silently routing traffic elsewhere.
/// </summary>
public sealed class RuleParser
{
    /// <summary>The option that keeps an IP rule from matching a resolved address.</summary>
    public const string NoResolveOption = "no-resolve";

    private static readonly Dictionary<string, RuleType> TypesByName = new(StringComparer.OrdinalIgnoreCase)
    {
        ["DOMAIN"] = RuleType.Domain,
        ["DOMAIN-SUFFIX"] = RuleType.DomainSuffix,
        ["DOMAIN-KEYWORD"] = RuleType.DomainKeyword,
        ["DOMAIN-REGEX"] = RuleType.DomainRegex,
        ["IP-CIDR"] = RuleType.IpCidr,
        ["IP-CIDR6"] = RuleType.IpCidr6,
        ["SRC-IP-CIDR"] = RuleType.SourceIpCidr,
        ["DST-PORT"] = RuleType.DestinationPort,
        ["SRC-PORT"] = RuleType.SourcePort,
        ["NETWORK"] = RuleType.Network,
        ["PROCESS-NAME"] = RuleType.ProcessName,
        ["RULE-SET"] = RuleType.RuleSet,
        ["MATCH"] = RuleType.Match,
    };

    private readonly IReadOnlySet<string>? _outboundNames;
    private readonly IReadOnlyDictionary<string, RuleProvider> _ruleSets;

    /// <summary>
    /// Creates a parser. With <paramref name="outboundNames"/>, a target outside the set is an error;
    /// <paramref name="ruleSets"/> are the rule sets that RULE-SET lines may name.
    /// </summary>
    public RuleParser(IReadOnlySet<string>? outboundNames = null, IReadOnlyDictionary<string, RuleProvider>? ruleSets = null)
    {
        _outboundNames = outboundNames;
        _ruleSets = ruleSets ?? new Dictionary<string, RuleProvider>();
    }

    /// <summary>Parses all lines; rule indexes count rules, line numbers count every line from 1.</summary>
    public IReadOnlyList<Rule> Parse(IEnumerable<string> lines, string source = "rules")
    {
        ArgumentNullException.ThrowIfNull(lines);
        var rules = new List<Rule>();
        var lineNumber = 0;
        foreach (var line in lines)
        {
            lineNumber++;
            var text = line.Trim();
            if (IsSkipped(text))
                continue;
            var error = TryParseRule(rules.Count, lineNumber, text, out var rule);
            if (error is not null)
                throw new RuleParseException(source, lineNumber, error);
            rules.Add(rule!);
        }
        return rules;
    }

    /// <summary>True for blank lines and '#' comments.</summary>
    internal static bool IsSkipped(string trimmedLine) => trimmedLine.Length == 0 || trimmedLine[0] == '#';

    /// <summary>Splits a line on commas and trims every field.</summary>
    internal static string[] SplitFields(string line)
    {
        var fields = line.Split(',');
        for (var i = 0; i < fields.Length; i++)
            fields[i] = fields[i].Trim();
        return fields;
    }

    /// <summary>The rule type for a name such as "DOMAIN-SUFFIX" (any case).</summary>
    internal static bool TryParseType(string name, out RuleType type) => TypesByName.TryGetValue(name, out type);

    /// <summary>
    /// Validates <paramref name="value"/> for a rule of <paramref name="type"/> (not RULE-SET or MATCH).
    /// Returns null and the condition, or the reason the value is bad.
    /// </summary>
    internal static string? TryParseCondition(RuleType type, string value, bool noResolve, out RuleCondition? condition)
    {
        condition = null;
        if (value.Length == 0)
            return "missing value";
        switch (type)
        {
            case RuleType.Domain:
            case RuleType.DomainSuffix:
                if (ProxyDestination.ValidateDomain(value) is { } problem)
                    return $"bad domain '{value}' ({problem})";
                condition = RuleCondition.ForDomain(type == RuleType.Domain ? RuleConditionKind.Domain : RuleConditionKind.DomainSuffix, value);
                return null;
            case RuleType.DomainKeyword:
                condition = RuleCondition.ForDomain(RuleConditionKind.DomainKeyword, value);
                return null;
            case RuleType.DomainRegex:
                return TryParseRegex(value, out condition);
            case RuleType.IpCidr:
            case RuleType.IpCidr6:
            case RuleType.SourceIpCidr:
                if (TryParsePrefix(value, out var prefix) is { } cidrProblem)
                    return $"bad CIDR '{value}' ({cidrProblem})";
                condition = type == RuleType.SourceIpCidr
                    ? RuleCondition.ForPrefix(RuleConditionKind.SourceCidr, value, prefix, noResolve: false)
                    : RuleCondition.ForPrefix(RuleConditionKind.DestinationCidr, value, prefix, noResolve);
                return null;
            case RuleType.DestinationPort:
            case RuleType.SourcePort:
                if (TryParsePorts(value, out var ports) is { } portProblem)
                    return $"bad port '{value}' ({portProblem})";
                condition = RuleCondition.ForPorts(type == RuleType.DestinationPort ? RuleConditionKind.DestinationPort : RuleConditionKind.SourcePort, value, ports);
                return null;
            case RuleType.Network:
                if (value.Equals("tcp", StringComparison.OrdinalIgnoreCase))
                    condition = RuleCondition.ForNetwork(value, RuleNetwork.Tcp);
                else if (value.Equals("udp", StringComparison.OrdinalIgnoreCase))
                    condition = RuleCondition.ForNetwork(value, RuleNetwork.Udp);
                else
                    return $"bad network '{value}' (tcp or udp)";
                return null;
            case RuleType.ProcessName:
                condition = RuleCondition.ForProcessName(value);
                return null;
            default:
                return $"{type} has no value to parse";
        }
    }

    /// <summary>
    /// Parses "address/length" (IPv4 or IPv6). Host bits beyond the length are cleared, as mihomo
    /// does, so "10.1.2.3/8" means 10.0.0.0/8. Returns null or the reason.
    /// </summary>
    internal static string? TryParsePrefix(string value, out IPNetwork prefix)
    {
        prefix = default;
        var slash = value.IndexOf('/');
        if (slash < 0)
            return "no /prefix-length";
        var addressText = value.AsSpan(0, slash);
        if (addressText.Contains('%') || !IPAddress.TryParse(addressText, out var address))
            return "not an IP address";
        var maximum = address.AddressFamily == AddressFamily.InterNetwork ? 32 : 128;
        if (!int.TryParse(value.AsSpan(slash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var length) || length > maximum)
            return $"prefix length is not 0-{maximum}";
        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteBytes(bytes, out var written);
        bytes = bytes[..written];
        for (var bit = length; bit < written * 8; bit++)
            bytes[bit / 8] &= (byte)~(0x80 >> (bit % 8));
        prefix = new IPNetwork(new IPAddress(bytes), length);
        return null;
    }

    /// <summary>Parses "443", "1000-2000" or a '/'-separated list of either ("80/443/8000-9000").</summary>
    internal static string? TryParsePorts(string value, out PortRange[] ports)
    {
        var parts = value.Split('/');
        ports = new PortRange[parts.Length];
        for (var i = 0; i < parts.Length; i++)
        {
            var part = parts[i].AsSpan().Trim();
            var dash = part.IndexOf('-');
            var firstText = dash < 0 ? part : part[..dash];
            var lastText = dash < 0 ? part : part[(dash + 1)..];
            if (!TryParsePort(firstText, out var first) || !TryParsePort(lastText, out var last))
                return "a port is 0-65535, a range is first-last";
            if (first > last)
                return $"range {first}-{last} is backwards";
            ports[i] = new PortRange(first, last);
        }
        return null;
    }

    private static bool TryParsePort(ReadOnlySpan<char> text, out int port) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out port) && port <= 65535;

    private static string? TryParseRegex(string value, out RuleCondition? condition)
    {
        condition = null;
        try
        {
            // NonBacktracking: matching time is linear in the domain's length whatever the pattern,
            // so no rule can stall a lookup (no catastrophic backtracking, no timeout needed).
            var regex = new Regex(value, RegexOptions.NonBacktracking | RegexOptions.IgnoreCase | RegexOptions.CultureInvariant);
            condition = RuleCondition.ForRegex(value, regex);
            return null;
        }
        catch (ArgumentException e)
        {
            return $"bad regex '{value}' ({e.Message})";
        }
        catch (NotSupportedException)
        {
            // NonBacktracking refuses constructs that need backtracking; thrown, not a parse error.
            return $"regex '{value}' uses a backreference, lookaround or atomic group, which linear-time matching does not support";
        }
    }

    private string? TryParseRule(int index, int lineNumber, string text, out Rule? rule)
    {
        rule = null;
        var fields = SplitFields(text);
        if (!TryParseType(fields[0], out var type))
            return $"unknown rule type '{fields[0]}'";
        if (type == RuleType.Match)
        {
            if (fields.Length < 2 || fields[1].Length == 0)
                return "missing target";
            if (fields.Length > 2)
                return "MATCH takes only a target (MATCH,TARGET)";
            if (CheckTarget(fields[1]) is { } matchProblem)
                return matchProblem;
            rule = new Rule(index, lineNumber, text, type, fields[1], [RuleCondition.Match]);
            return null;
        }
        if (fields.Length < 2 || fields[1].Length == 0)
            return "missing value";
        if (fields.Length < 3 || fields[2].Length == 0)
            return "missing target";
        var target = fields[2];
        if (CheckTarget(target) is { } targetProblem)
            return targetProblem;
        var noResolve = false;
        for (var i = 3; i < fields.Length; i++)
        {
            if (!fields[i].Equals(NoResolveOption, StringComparison.OrdinalIgnoreCase))
                return $"unknown option '{fields[i]}' (the only option is {NoResolveOption})";
            if (type is not (RuleType.IpCidr or RuleType.IpCidr6 or RuleType.SourceIpCidr or RuleType.RuleSet))
                return $"{NoResolveOption} applies only to IP-CIDR, IP-CIDR6, SRC-IP-CIDR and RULE-SET";
            noResolve = true;
        }
        if (type == RuleType.RuleSet)
        {
            if (!_ruleSets.TryGetValue(fields[1], out var ruleSet))
                return $"unknown rule set '{fields[1]}'";
            var conditions = ruleSet.Conditions;
            if (noResolve)
            {
                var marked = new RuleCondition[conditions.Count];
                for (var i = 0; i < marked.Length; i++)
                    marked[i] = conditions[i].Kind == RuleConditionKind.DestinationCidr ? conditions[i].WithNoResolve() : conditions[i];
                conditions = marked;
            }
            rule = new Rule(index, lineNumber, text, type, target, conditions);
            return null;
        }
        if (TryParseCondition(type, fields[1], noResolve, out var condition) is { } problem)
            return problem;
        rule = new Rule(index, lineNumber, text, type, target, [condition!]);
        return null;
    }

    private string? CheckTarget(string target)
    {
        if (_outboundNames is null || _outboundNames.Contains(target))
            return null;
        return $"unknown target '{target}' (outbounds: {string.Join(", ", _outboundNames.Order(StringComparer.Ordinal))})";
    }
}
