using System.Text.RegularExpressions;

namespace SharpTun.Proxy.Rules;

/// <summary>
/// Rules compiled for lookup: gives the same answer as evaluating the rules top to bottom, at a
/// cost that does not grow with their number. Each kind of condition goes into a structure that
/// answers "the lowest rule index that matches" (a label trie for domains, binary tries for
/// prefixes, an Aho-Corasick automaton for keywords, tables for ports, network, process and MATCH),
/// and the decision is the lowest index over all of them. Each structure is skipped, or stops
/// early, when it cannot beat the best index found so far. Immutable once built, so lookups from
/// many threads need no lock; a lookup allocates nothing.
/// </summary>
public sealed class RuleEngine
{
    private const int NoRule = int.MaxValue;

    private readonly Rule[] _rules;
    private readonly DomainSuffixTrie _domains = new();
    private readonly KeywordMatcher? _keywords;
    private readonly (int RuleIndex, Regex Regex)[] _regexes;
    private readonly CidrTrie _destinations = new();
    private readonly CidrTrie _resolvableDestinations = new();
    private readonly CidrTrie _sources = new();
    private readonly PortTable? _destinationPorts;
    private readonly PortTable? _sourcePorts;
    private readonly Dictionary<string, int> _processNames = new(StringComparer.OrdinalIgnoreCase);
    private readonly int _tcp = NoRule;
    private readonly int _udp = NoRule;
    private readonly int _match = NoRule;

    /// <summary>
    /// Compiles <paramref name="rules"/>; rule <c>i</c> of the list must have <see cref="Rule.Index"/>
    /// <c>i</c>, as <see cref="RuleParser"/> numbers them.
    /// </summary>
    public RuleEngine(IReadOnlyList<Rule> rules)
    {
        ArgumentNullException.ThrowIfNull(rules);
        _rules = [.. rules];
        var keywords = new List<(string, int)>();
        var regexes = new List<(int, Regex)>();
        var destinationPorts = new List<(PortRange, int)>();
        var sourcePorts = new List<(PortRange, int)>();
        for (var index = 0; index < _rules.Length; index++)
        {
            if (_rules[index].Index != index)
                throw new ArgumentException($"rule at position {index} has index {_rules[index].Index}", nameof(rules));
            foreach (var condition in _rules[index].Conditions)
            {
                switch (condition.Kind)
                {
                    case RuleConditionKind.Domain:
                    case RuleConditionKind.DomainSuffix:
                    case RuleConditionKind.Subdomain:
                        _domains.Add(condition.Kind, condition.Value, index);
                        break;
                    case RuleConditionKind.DomainKeyword:
                        keywords.Add((condition.Value, index));
                        break;
                    case RuleConditionKind.DomainRegex:
                        regexes.Add((index, condition.Regex!));
                        break;
                    case RuleConditionKind.DestinationCidr:
                        _destinations.Add(condition.Prefix, index);
                        if (!condition.NoResolve)
                            _resolvableDestinations.Add(condition.Prefix, index);
                        break;
                    case RuleConditionKind.SourceCidr:
                        _sources.Add(condition.Prefix, index);
                        break;
                    case RuleConditionKind.DestinationPort:
                        foreach (var range in condition.Ports)
                            destinationPorts.Add((range, index));
                        break;
                    case RuleConditionKind.SourcePort:
                        foreach (var range in condition.Ports)
                            sourcePorts.Add((range, index));
                        break;
                    case RuleConditionKind.Network:
                        if (condition.Network == RuleNetwork.Tcp)
                            _tcp = Math.Min(_tcp, index);
                        else
                            _udp = Math.Min(_udp, index);
                        break;
                    case RuleConditionKind.ProcessName:
                        _processNames.TryAdd(condition.Value, index);
                        break;
                    case RuleConditionKind.Match:
                        _match = Math.Min(_match, index);
                        break;
                }
            }
        }
        _keywords = keywords.Count > 0 ? KeywordMatcher.Build(keywords) : null;
        _regexes = [.. regexes];
        _destinationPorts = destinationPorts.Count > 0 ? PortTable.Build(destinationPorts) : null;
        _sourcePorts = sourcePorts.Count > 0 ? PortTable.Build(sourcePorts) : null;
        _destinations.TrimExcess();
        _resolvableDestinations.TrimExcess();
        _sources.TrimExcess();
        FirstResolvingIpRuleIndex = _resolvableDestinations.LowestIndex == NoRule ? -1 : _resolvableDestinations.LowestIndex;
    }

    /// <summary>The rules, in order.</summary>
    public IReadOnlyList<Rule> Rules => _rules;

    /// <summary>
    /// The index of the first rule with a destination IP condition not marked <c>no-resolve</c>, or
    /// -1 when there is none. A decision made from a domain alone, with no destination address, is
    /// final when its index is below this (or this is -1): no resolved address could change it.
    /// Otherwise resolving the domain and deciding again, with
    /// <see cref="RuleContext.DestinationAddressIsResolved"/> set, gives mihomo's answer.
    /// </summary>
    public int FirstResolvingIpRuleIndex { get; }

    /// <summary>The first rule that matches <paramref name="context"/>, as a top-to-bottom scan would find it.</summary>
    public RuleDecision Decide(in RuleContext context)
    {
        // The constant-time matchers first, so that the walks below start with a tight bound.
        var best = _match;
        best = Math.Min(best, context.Network == RuleNetwork.Tcp ? _tcp : _udp);
        if (_destinationPorts is not null)
            best = Math.Min(best, _destinationPorts.Lookup(context.DestinationPort));
        if (_sourcePorts is not null)
            best = Math.Min(best, _sourcePorts.Lookup(context.SourcePort));
        if (context.ProcessName is { } processName && _processNames.Count > 0 && _processNames.TryGetValue(processName, out var processIndex))
            best = Math.Min(best, processIndex);
        if (context.Domain is { } domain)
            best = LookupDomain(domain.EndsWith('.') ? domain.AsSpan(0, domain.Length - 1) : domain, best);
        if (context.DestinationAddress is { } destination)
            best = (context.DestinationAddressIsResolved ? _resolvableDestinations : _destinations).Lookup(destination, best);
        if (context.SourceAddress is { } source)
            best = _sources.Lookup(source, best);
        return best == NoRule ? default : new RuleDecision(_rules[best]);
    }

    private int LookupDomain(ReadOnlySpan<char> domain, int best)
    {
        if (_domains.LowestIndex < best)
            best = _domains.Lookup(domain, best);
        if (_keywords is not null && _keywords.LowestIndex < best)
            best = _keywords.Lookup(domain, best);
        // In rule order: the first expression that matches is the lowest index they can offer.
        foreach (var (ruleIndex, regex) in _regexes)
        {
            if (ruleIndex >= best)
                break;
            if (regex.IsMatch(domain))
                return ruleIndex;
        }
        return best;
    }
}
