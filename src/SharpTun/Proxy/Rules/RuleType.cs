namespace SharpTun.Proxy.Rules;

/// <summary>The rule types of a mihomo (clash) rule line, the first field of <c>TYPE,VALUE,TARGET</c>.</summary>
public enum RuleType
{
    /// <summary><c>DOMAIN</c>: the domain equals the value (ASCII case-insensitive).</summary>
    Domain,

    /// <summary><c>DOMAIN-SUFFIX</c>: the domain is the value or a subdomain of it.</summary>
    DomainSuffix,

    /// <summary><c>DOMAIN-KEYWORD</c>: the domain contains the value.</summary>
    DomainKeyword,

    /// <summary><c>DOMAIN-REGEX</c>: the domain matches the regular expression.</summary>
    DomainRegex,

    /// <summary><c>IP-CIDR</c>: the destination address is in the prefix (either family).</summary>
    IpCidr,

    /// <summary><c>IP-CIDR6</c>: the same as <see cref="IpCidr"/>; mihomo keeps the name for IPv6 prefixes.</summary>
    IpCidr6,

    /// <summary><c>SRC-IP-CIDR</c>: the source address is in the prefix.</summary>
    SourceIpCidr,

    /// <summary><c>DST-PORT</c>: the destination port is in one of the ports or ranges.</summary>
    DestinationPort,

    /// <summary><c>SRC-PORT</c>: the source port is in one of the ports or ranges.</summary>
    SourcePort,

    /// <summary><c>NETWORK</c>: the transport is tcp or udp.</summary>
    Network,

    /// <summary><c>PROCESS-NAME</c>: the name of the process that owns the socket (case-insensitive).</summary>
    ProcessName,

    /// <summary><c>RULE-SET</c>: any condition of a named <see cref="RuleProvider"/> matches.</summary>
    RuleSet,

    /// <summary><c>MATCH</c>: always matches; the usual last line.</summary>
    Match,
}
