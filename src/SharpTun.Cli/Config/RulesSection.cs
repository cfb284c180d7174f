using SharpTun.Cli.Settings;
using SharpTun.Proxy.Rules;
using YamlDotNet.RepresentationModel;

namespace SharpTun.Cli.Config;

/// <summary>
/// <c>rule-providers:</c> (named rule-set files) and <c>rules:</c> (mihomo rule lines, first match
/// wins), parsed by <see cref="RuleParser"/> against the outbound names. Every bad rule is reported
/// with its own line in the file.
/// </summary>
internal static class RulesSection
{
    private static readonly (string, RuleProviderBehavior)[] Behaviors =
        [("classical", RuleProviderBehavior.Classical), ("domain", RuleProviderBehavior.Domain), ("ipcidr", RuleProviderBehavior.IpCidr)];

    /// <summary>
    /// The rule providers by name, each loaded from its file (relative paths from
    /// <paramref name="baseDirectory"/>). A provider that cannot be loaded is reported and stands
    /// in as an empty set, so RULE-SET lines naming it are not reported a second time.
    /// </summary>
    public static Dictionary<string, RuleProvider> ReadProviders(ConfigurationReader reader, ConfigurationSection top, string baseDirectory)
    {
        var providers = new Dictionary<string, RuleProvider>(StringComparer.Ordinal);
        var node = top["rule-providers"];
        if (ConfigurationReader.IsNull(node))
            return providers;
        if (node is not YamlMappingNode mapping)
        {
            reader.Error(node!, $"rule-providers must be a mapping of NAME: {{behavior: classical|domain|ipcidr, path: FILE}}, not {ConfigurationReader.KindOf(node!)}");
            return providers;
        }
        foreach (var (key, value) in mapping.Children)
        {
            if (key is not YamlScalarNode { Value: { Length: > 0 } name } || name.Contains(',') || name.Trim() != name)
            {
                reader.Error(key, $"rule provider name {ConfigurationReader.KindOf(key)} cannot be used in RULE-SET,NAME,TARGET (no ',' or surrounding spaces)");
                continue;
            }
            var path = $"rule-providers.{name}";
            providers[name] = Load(reader, reader.Section(value, path, ConfigurationKeys.RuleProvider), name, baseDirectory, ConfigurationReader.LineOf(key));
        }
        return providers;
    }

    /// <summary>The rules, each with its index and its line in the file; targets must be outbound names, DIRECT or REJECT.</summary>
    public static IReadOnlyList<Rule>? ReadRules(ConfigurationReader reader, ConfigurationSection top, ISet<string> outboundNames,
        IReadOnlyDictionary<string, RuleProvider> providers)
    {
        var items = reader.Sequence(top["rules"], "rules", "rule lines (TYPE,VALUE,TARGET)");
        if (items is null)
            return null;
        var targets = new HashSet<string>(outboundNames, StringComparer.Ordinal) { NamedOutbound.Direct, NamedOutbound.Reject };
        var parser = new RuleParser(targets, providers);
        var rules = new List<Rule>(items.Count);
        for (var i = 0; i < items.Count; i++)
        {
            var item = items[i];
            if (item is not YamlScalarNode { Value: { } text } || ConfigurationReader.IsNull(item))
            {
                reader.Error(item, $"rules[{i}] must be a rule line such as DOMAIN-SUFFIX,example.org,DIRECT, not {ConfigurationReader.KindOf(item)}");
                continue;
            }
            IReadOnlyList<Rule> parsed;
            try
            {
                parsed = parser.Parse([text], "rules");
            }
            catch (RuleParseException e)
            {
                reader.Error(item, $"bad rule '{text.Trim()}': {e.Reason}");
                continue;
            }
            if (parsed.Count == 0)
            {
                reader.Error(item, $"rules[{i}] '{text}' is blank or a '#' comment, not a rule");
                continue;
            }
            var rule = parsed[0];
            rules.Add(new Rule(rules.Count, ConfigurationReader.LineOf(item), rule.Text, rule.Type, rule.Target, rule.Conditions));
        }
        return rules;
    }

    private static string BehaviorName(RuleProviderBehavior behavior) => Behaviors.First(b => b.Item2 == behavior).Item1;

    private static RuleProvider Load(ConfigurationReader reader, ConfigurationSection provider, string name, string baseDirectory, int line)
    {
        var empty = RuleProvider.Parse(name, RuleProviderBehavior.Classical, [], provider.Path);
        if (provider.Node is null)
        {
            reader.Error(line, $"{provider.Path} is empty: write {{behavior: classical|domain|ipcidr, path: FILE}}");
            return empty;
        }
        var behavior = reader.Choice(provider, "behavior", Behaviors);
        var file = ConfigurationPaths.Read(reader, provider, "path", baseDirectory);
        if (provider["behavior"] is null)
            reader.Error(line, $"{provider.Path} has no behavior (classical: rule lines without a target; domain: example.org, +.example.org; ipcidr: 10.0.0.0/8)");
        if (provider["path"] is null)
            reader.Error(line, $"{provider.Path} has no path (the rule-set file, relative to this file's directory)");
        if (behavior is not { } known || file is null)
            return empty;
        try
        {
            return RuleProvider.Load(name, known, file);
        }
        catch (RuleParseException e)
        {
            reader.Add(new ConfigurationIssue(e.SourceName, e.LineNumber, $"rule provider '{name}' ({BehaviorName(known)}): {e.Reason}"), line);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            reader.Error(provider["path"]!, $"{provider.PathOf("path")}: cannot read {file}: {ConfigurationPaths.Describe(e)}");
        }
        return empty;
    }
}
