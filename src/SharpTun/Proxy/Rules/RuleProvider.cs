namespace SharpTun.Proxy.Rules;

/// <summary>
/// A named rule set (mihomo's rule-provider) loaded from a text file, referenced by
/// <c>RULE-SET,NAME,TARGET</c>. A RULE-SET rule matches when any of its conditions does; the engine
/// compiles the conditions into the same tries as plain rules, at the RULE-SET line's position.
/// </summary>
public sealed class RuleProvider
{
    private RuleProvider(string name, RuleProviderBehavior behavior, IReadOnlyList<RuleCondition> conditions)
    {
        Name = name;
        Behavior = behavior;
        Conditions = conditions;
    }

    /// <summary>The name RULE-SET lines use.</summary>
    public string Name { get; }

    /// <summary>What the file's lines hold.</summary>
    public RuleProviderBehavior Behavior { get; }

    /// <summary>The conditions, in file order.</summary>
    public IReadOnlyList<RuleCondition> Conditions { get; }

    /// <summary>Reads a rule-set file; errors name the path and line.</summary>
    public static RuleProvider Load(string name, RuleProviderBehavior behavior, string path) =>
        Parse(name, behavior, File.ReadLines(path), path);

    /// <summary>Parses rule-set lines; '#' comments and blank lines are skipped.</summary>
    public static RuleProvider Parse(string name, RuleProviderBehavior behavior, IEnumerable<string> lines, string source)
    {
        ArgumentNullException.ThrowIfNull(lines);
        var conditions = new List<RuleCondition>();
        var lineNumber = 0;
        foreach (var line in lines)
        {
            lineNumber++;
            var text = line.Trim();
            if (RuleParser.IsSkipped(text))
                continue;
            RuleCondition? condition;
            var problem = behavior switch
            {
                RuleProviderBehavior.Classical => TryParseClassical(text, out condition),
                RuleProviderBehavior.Domain => TryParseDomain(text, out condition),
                RuleProviderBehavior.IpCidr => RuleParser.TryParseCondition(RuleType.IpCidr, text, noResolve: false, out condition),
                _ => throw new ArgumentOutOfRangeException(nameof(behavior), behavior, "unknown rule-set behavior"),
            };
            if (problem is not null)
                throw new RuleParseException(source, lineNumber, problem);
            conditions.Add(condition!);
        }
        return new RuleProvider(name, behavior, conditions);
    }

    private static string? TryParseClassical(string text, out RuleCondition? condition)
    {
        condition = null;
        var fields = RuleParser.SplitFields(text);
        if (!RuleParser.TryParseType(fields[0], out var type))
            return $"unknown rule type '{fields[0]}'";
        if (type is RuleType.Match or RuleType.RuleSet)
            return $"{fields[0]} cannot appear inside a rule set";
        if (fields.Length < 2)
            return "missing value";
        var noResolve = false;
        for (var i = 2; i < fields.Length; i++)
        {
            if (!fields[i].Equals(RuleParser.NoResolveOption, StringComparison.OrdinalIgnoreCase))
                return $"unexpected field '{fields[i]}' (rule-set lines have no target; the only option is {RuleParser.NoResolveOption})";
            noResolve = true;
        }
        return RuleParser.TryParseCondition(type, fields[1], noResolve, out condition);
    }

    private static string? TryParseDomain(string text, out RuleCondition? condition)
    {
        condition = null;
        var (kind, domain) = text switch
        {
            ['+', '.', ..] => (RuleConditionKind.DomainSuffix, text[2..]),
            ['.', ..] => (RuleConditionKind.Subdomain, text[1..]),
            _ => (RuleConditionKind.Domain, text),
        };
        if (domain.Contains('*'))
            return $"wildcard '*' is not supported in '{text}' (use +.example.com or .example.com)";
        if (ProxyDestination.ValidateDomain(domain) is { } problem)
            return $"bad domain '{text}' ({problem})";
        condition = RuleCondition.ForDomain(kind, domain);
        return null;
    }
}
