namespace SharpTun.Proxy.Rules;

/// <summary>What the lines of a rule-set file hold, mihomo's rule-provider <c>behavior</c>.</summary>
public enum RuleProviderBehavior
{
    /// <summary>Rule lines without a target: <c>DOMAIN-SUFFIX,example.com</c>, <c>IP-CIDR,10.0.0.0/8,no-resolve</c>.</summary>
    Classical,

    /// <summary>
    /// Plain domains: <c>example.com</c> (exactly), <c>+.example.com</c> (it and its subdomains),
    /// <c>.example.com</c> (its subdomains only).
    /// </summary>
    Domain,

    /// <summary>Plain prefixes, one a line: <c>10.0.0.0/8</c>, <c>2001:db8::/32</c>.</summary>
    IpCidr,
}
