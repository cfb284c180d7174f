using System.Net;
using SharpTun.Proxy.Rules;

namespace SharpTun.Tests.Proxy.Rules;

/// <summary>
/// The rules read literally, top to bottom, with string and <see cref="IPNetwork"/> operations and no
/// cleverness: what <see cref="RuleEngine"/> must agree with.
/// </summary>
internal static class ReferenceRuleMatcher
{
    /// <summary>The index of the first rule with a condition that holds, or -1.</summary>
    public static int FirstMatch(IReadOnlyList<Rule> rules, in RuleContext context)
    {
        for (var index = 0; index < rules.Count; index++)
        {
            foreach (var condition in rules[index].Conditions)
            {
                if (Holds(condition, context))
                    return index;
            }
        }
        return -1;
    }

    private static bool Holds(RuleCondition condition, RuleContext context)
    {
        var domain = context.Domain is { } d && d.EndsWith('.') ? d[..^1] : context.Domain;
        var value = condition.Value;
        return condition.Kind switch
        {
            RuleConditionKind.Domain => domain is not null && domain.Equals(value, StringComparison.OrdinalIgnoreCase),
            RuleConditionKind.DomainSuffix => domain is not null
                && (domain.Equals(value, StringComparison.OrdinalIgnoreCase) || domain.EndsWith("." + value, StringComparison.OrdinalIgnoreCase)),
            RuleConditionKind.Subdomain => domain is not null && domain.EndsWith("." + value, StringComparison.OrdinalIgnoreCase),
            RuleConditionKind.DomainKeyword => domain is not null && domain.Contains(value, StringComparison.OrdinalIgnoreCase),
            RuleConditionKind.DomainRegex => domain is not null && condition.Regex!.IsMatch(domain),
            RuleConditionKind.DestinationCidr => context.DestinationAddress is { } destination
                && !(condition.NoResolve && context.DestinationAddressIsResolved)
                && condition.Prefix.Contains(Unmapped(destination)),
            RuleConditionKind.SourceCidr => context.SourceAddress is { } source && condition.Prefix.Contains(Unmapped(source)),
            RuleConditionKind.DestinationPort => condition.Ports.Any(range => range.Contains(context.DestinationPort)),
            RuleConditionKind.SourcePort => condition.Ports.Any(range => range.Contains(context.SourcePort)),
            RuleConditionKind.Network => condition.Network == context.Network,
            RuleConditionKind.ProcessName => context.ProcessName is not null && context.ProcessName.Equals(value, StringComparison.OrdinalIgnoreCase),
            RuleConditionKind.Match => true,
            _ => throw new ArgumentOutOfRangeException(nameof(condition), condition.Kind, "unknown condition"),
        };
    }

    private static IPAddress Unmapped(IPAddress address) => address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
}
