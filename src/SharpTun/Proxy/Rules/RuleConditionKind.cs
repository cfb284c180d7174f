namespace SharpTun.Proxy.Rules;

/// <summary>
/// What a <see cref="RuleCondition"/> tests. Finer than <see cref="RuleType"/>: a domain rule set
/// adds <see cref="Subdomain"/> (<c>.example.com</c>), and IP-CIDR and IP-CIDR6 are one kind.
/// </summary>
public enum RuleConditionKind
{
    /// <summary>The domain equals the value.</summary>
    Domain,

    /// <summary>The domain is the value or ends with "." + value.</summary>
    DomainSuffix,

    /// <summary>The domain ends with "." + value (the value itself does not match).</summary>
    Subdomain,

    /// <summary>The domain contains the value.</summary>
    DomainKeyword,

    /// <summary>The domain matches <see cref="RuleCondition.Regex"/>.</summary>
    DomainRegex,

    /// <summary>The destination address is in <see cref="RuleCondition.Prefix"/>.</summary>
    DestinationCidr,

    /// <summary>The source address is in <see cref="RuleCondition.Prefix"/>.</summary>
    SourceCidr,

    /// <summary>The destination port is in <see cref="RuleCondition.Ports"/>.</summary>
    DestinationPort,

    /// <summary>The source port is in <see cref="RuleCondition.Ports"/>.</summary>
    SourcePort,

    /// <summary>The transport is <see cref="RuleCondition.Network"/>.</summary>
    Network,

    /// <summary>The process name equals the value.</summary>
    ProcessName,

    /// <summary>Always true.</summary>
    Match,
}
