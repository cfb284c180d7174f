using System.Net;
using System.Text.RegularExpressions;

namespace SharpTun.Proxy.Rules;

/// <summary>
/// The test half of a rule, validated: what to look at and the value to compare with. A rule line
/// has one; a <see cref="RuleProvider"/> holds many. Only the field that its <see cref="Kind"/> uses
/// is set.
/// </summary>
public sealed class RuleCondition
{
    private RuleCondition(RuleConditionKind kind, string value)
    {
        Kind = kind;
        Value = value;
    }

    /// <summary>What the condition tests.</summary>
    public RuleConditionKind Kind { get; }

    /// <summary>The value as written (domains and keywords in lower case).</summary>
    public string Value { get; }

    /// <summary>For IP conditions: the prefix, host bits cleared.</summary>
    public IPNetwork Prefix { get; private init; }

    /// <summary>For port conditions: the ports and ranges, any of which matches.</summary>
    public IReadOnlyList<PortRange> Ports { get; private init; } = [];

    /// <summary>For <see cref="RuleConditionKind.Network"/>: the transport.</summary>
    public RuleNetwork Network { get; private init; }

    /// <summary>For <see cref="RuleConditionKind.DomainRegex"/>: the compiled expression.</summary>
    public Regex? Regex { get; private init; }

    /// <summary>
    /// For destination IP conditions: match only a destination address the connection really had,
    /// never one resolved from its domain (mihomo's <c>no-resolve</c>).
    /// </summary>
    public bool NoResolve { get; private init; }

    /// <summary>A condition on the domain (exact, suffix, subdomain or keyword); the value is lower-cased.</summary>
    public static RuleCondition ForDomain(RuleConditionKind kind, string value) => new(kind, value.ToLowerInvariant());

    /// <summary>A DOMAIN-REGEX condition around an expression built by <see cref="RuleParser"/>.</summary>
    public static RuleCondition ForRegex(string value, Regex regex) => new(RuleConditionKind.DomainRegex, value) { Regex = regex };

    /// <summary>A destination or source prefix condition.</summary>
    public static RuleCondition ForPrefix(RuleConditionKind kind, string value, IPNetwork prefix, bool noResolve) =>
        new(kind, value) { Prefix = prefix, NoResolve = noResolve };

    /// <summary>A destination or source port condition.</summary>
    public static RuleCondition ForPorts(RuleConditionKind kind, string value, PortRange[] ports) => new(kind, value) { Ports = ports };

    /// <summary>A NETWORK condition.</summary>
    public static RuleCondition ForNetwork(string value, RuleNetwork network) => new(RuleConditionKind.Network, value) { Network = network };

    /// <summary>A PROCESS-NAME condition.</summary>
    public static RuleCondition ForProcessName(string value) => new(RuleConditionKind.ProcessName, value);

    /// <summary>The MATCH condition.</summary>
    public static RuleCondition Match { get; } = new(RuleConditionKind.Match, "");

    /// <summary>The same condition with <c>no-resolve</c> set, for a rule set referenced with it.</summary>
    internal RuleCondition WithNoResolve() => NoResolve ? this : new(Kind, Value) { Prefix = Prefix, NoResolve = true };
}
