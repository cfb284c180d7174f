using System.Net;
using SharpTun.Dns;
using SharpTun.Proxy.Rules;
using SharpTun.Stack.Nat;

namespace SharpTun.Stack.Proxy;

/// <summary>
/// Picks each flow's outbound: the rules' first match, or the default outbound when there are no
/// rules or none matched. Rules see the destination's domain when one is known (from a fake
/// address or sniffing) and the destination address when it is real; an IP rule (not marked
/// <c>no-resolve</c>) that could still change a domain-only decision gets the domain's resolved
/// addresses, as in mihomo. Immutable; safe for concurrent callers.
/// </summary>
public sealed class FlowRouter
{
    /// <summary>
    /// Resolves a domain for IP rules, with the contract of <see cref="Proxy.Outbounds.IDomainResolver"/>:
    /// a name that does not resolve may throw <see cref="System.Net.Sockets.SocketException"/>.
    /// </summary>
    public delegate ValueTask<IPAddress[]> DomainResolver(string domain, CancellationToken ct);

    private readonly Dictionary<string, RoutedOutbound> _byName;
    private readonly RuleEngine? _rules;
    private readonly DomainResolver? _resolve;
    private readonly FakeIpPool? _fakeAddresses;

    /// <param name="outbounds">Every outbound rules may name; the first is the default.</param>
    /// <param name="rules">The rules, or null to send every flow to the default.</param>
    /// <param name="resolve">Resolves domains for IP rules; null leaves them unresolved (they do not match a domain-only flow).</param>
    /// <param name="fakeAddresses">The fake-IP pool: IP rules never see a fake address.</param>
    public FlowRouter(IReadOnlyList<RoutedOutbound> outbounds, RuleEngine? rules = null, DomainResolver? resolve = null, FakeIpPool? fakeAddresses = null)
    {
        _fakeAddresses = fakeAddresses;
        if (outbounds.Count == 0)
            throw new ArgumentException("a router needs at least one outbound", nameof(outbounds));
        _byName = new Dictionary<string, RoutedOutbound>(StringComparer.OrdinalIgnoreCase);
        foreach (var outbound in outbounds)
        {
            if (!_byName.TryAdd(outbound.Name, outbound))
                throw new ArgumentException($"outbound name '{outbound.Name}' is used twice", nameof(outbounds));
        }
        Default = outbounds[0];
        _rules = rules is { Rules.Count: > 0 } ? rules : null;
        if (_rules is not null)
        {
            foreach (var rule in _rules.Rules)
            {
                if (!_byName.ContainsKey(rule.Target))
                    throw new ArgumentException($"rule {rule.Index + 1} ({rule.Text}) sends flows to '{rule.Target}', which is not an outbound");
            }
        }
        _resolve = resolve;
        var conditions = _rules?.Rules.SelectMany(rule => rule.Conditions).ToList() ?? [];
        UsesDomains = conditions.Any(c => c.Kind is RuleConditionKind.Domain or RuleConditionKind.DomainSuffix or RuleConditionKind.Subdomain
            or RuleConditionKind.DomainKeyword or RuleConditionKind.DomainRegex);
        UsesProcessNames = conditions.Any(c => c.Kind == RuleConditionKind.ProcessName);
    }

    /// <summary>Resolves domains (for IP rules, and for UDP datagrams to fake addresses on the direct path), or null.</summary>
    public DomainResolver? Resolver => _resolve;

    /// <summary>Where flows go when no rule says otherwise.</summary>
    public RoutedOutbound Default { get; }

    /// <summary>Some rule looks at domains: a flow to a real address is worth sniffing.</summary>
    public bool UsesDomains { get; }

    /// <summary>Some rule looks at process names: the flow's owner is worth looking up.</summary>
    public bool UsesProcessNames { get; }


    /// <summary>
    /// Decides a flow's outbound without resolving anything (IP rules see only a real destination
    /// address); the reason is for the flow's log line ("rule 3 (DOMAIN-SUFFIX,example.org,proxy-a)",
    /// "no rule matched" or "default").
    /// </summary>
    public (RoutedOutbound Outbound, string Reason) Decide(RuleNetwork network, NatEndpoint source, NatEndpoint destination, string? domain, string? processName)
    {
        if (_rules is null)
            return (Default, "default");
        return Describe(_rules.Decide(Context(network, source, destination, domain, processName, resolved: null)));
    }

    /// <summary>
    /// As <see cref="Decide"/>, but when the destination is known by domain only and an IP rule
    /// (not marked <c>no-resolve</c>) comes before the rule that matched, the domain is resolved
    /// and the rules asked again with each address, as mihomo does.
    /// </summary>
    public async ValueTask<(RoutedOutbound Outbound, string Reason)> DecideAsync(RuleNetwork network, NatEndpoint source, NatEndpoint destination,
        string? domain, string? processName, CancellationToken ct)
    {
        if (_rules is null)
            return (Default, "default");
        var decision = _rules.Decide(Context(network, source, destination, domain, processName, resolved: null));
        var resolvingRule = _rules.FirstResolvingIpRuleIndex;
        if (domain is not null && _resolve is not null && resolvingRule >= 0 && (!decision.Matched || decision.RuleIndex > resolvingRule))
        {
            foreach (var address in await ResolveForRulesAsync(domain, ct).ConfigureAwait(false))
            {
                var resolved = _rules.Decide(Context(network, source, destination, domain, processName, address));
                if (resolved.Matched && (!decision.Matched || resolved.RuleIndex < decision.RuleIndex))
                    decision = resolved;
            }
        }
        return Describe(decision);
    }

    /// <summary>A name that does not resolve matches no IP rule (as in mihomo): the flow goes on by its other rules, and its outbound reports the failure.</summary>
    private async ValueTask<IPAddress[]> ResolveForRulesAsync(string domain, CancellationToken ct)
    {
        try
        {
            return await _resolve!(domain, ct).ConfigureAwait(false);
        }
        catch (System.Net.Sockets.SocketException)
        {
            return [];
        }
    }

    private RuleContext Context(RuleNetwork network, NatEndpoint source, NatEndpoint destination, string? domain, string? processName, IPAddress? resolved) => new()
    {
        Network = network,
        SourceAddress = source.ToIPAddress(),
        SourcePort = source.Port,
        // A fake address says nothing about where the name lives: only a resolved address counts then.
        DestinationAddress = resolved ?? (_fakeAddresses?.IsFake(destination) == true ? null : destination.ToIPAddress()),
        DestinationAddressIsResolved = resolved is not null,
        DestinationPort = destination.Port,
        Domain = domain,
        ProcessName = processName,
    };

    private (RoutedOutbound, string) Describe(RuleDecision decision) =>
        decision.Rule is { } rule ? (_byName[rule.Target], $"rule {rule.Index + 1} ({rule.Text})") : (Default, "no rule matched");
}
