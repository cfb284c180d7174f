namespace SharpTun.Proxy.Rules;

/// <summary>
/// DOMAIN and DOMAIN-SUFFIX rules in a trie of labels read right to left ("www.example.com" is
/// com -> example -> www), each node keeping the lowest rule index that matches there. A lookup
/// walks one node per label of the queried domain, so its cost depends on the domain, not on how
/// many rules there are. Labels compare ASCII case-insensitively.
/// </summary>
internal sealed class DomainSuffixTrie
{
    private readonly Node _root = new();

    /// <summary>The lowest rule index anywhere in the trie, <see cref="int.MaxValue"/> when empty.</summary>
    public int LowestIndex => _root.SubtreeLowest;

    /// <summary>
    /// Adds a condition: <see cref="RuleConditionKind.Domain"/> matches the name exactly,
    /// <see cref="RuleConditionKind.Subdomain"/> only names below it, and
    /// <see cref="RuleConditionKind.DomainSuffix"/> both.
    /// </summary>
    public void Add(RuleConditionKind kind, string domain, int ruleIndex)
    {
        var node = _root;
        node.SubtreeLowest = Math.Min(node.SubtreeLowest, ruleIndex);
        var end = domain.Length;
        while (end > 0)
        {
            var dot = domain.LastIndexOf('.', end - 1);
            var label = domain[(dot + 1)..end];
            node = node.GetOrAddChild(label);
            node.SubtreeLowest = Math.Min(node.SubtreeLowest, ruleIndex);
            end = Math.Max(dot, 0);
        }
        if (kind is RuleConditionKind.Domain or RuleConditionKind.DomainSuffix)
            node.Exact = Math.Min(node.Exact, ruleIndex);
        if (kind is RuleConditionKind.Subdomain or RuleConditionKind.DomainSuffix)
            node.Subdomains = Math.Min(node.Subdomains, ruleIndex);
    }

    /// <summary>The lowest rule index below <paramref name="best"/> that matches <paramref name="domain"/>, else <paramref name="best"/>.</summary>
    public int Lookup(ReadOnlySpan<char> domain, int best)
    {
        var node = _root;
        var end = domain.Length;
        while (node.SubtreeLowest < best && node.Children is not null)
        {
            var dot = domain[..end].LastIndexOf('.');
            if (!node.ChildLookup.TryGetValue(domain[(dot + 1)..end], out var child))
                break;
            node = child;
            if (dot < 0)
                return Math.Min(best, node.Exact);
            // Labels remain to the left, so the domain lies strictly below this node's name.
            best = Math.Min(best, node.Subdomains);
            end = dot;
        }
        return best;
    }

    private sealed class Node
    {
        public int Exact = int.MaxValue;
        public int Subdomains = int.MaxValue;
        public int SubtreeLowest = int.MaxValue;
        public Dictionary<string, Node>? Children;

        // Looks labels up by span, so a lookup never cuts the domain into strings.
        public Dictionary<string, Node>.AlternateLookup<ReadOnlySpan<char>> ChildLookup;

        public Node GetOrAddChild(string label)
        {
            if (Children is null)
            {
                Children = new Dictionary<string, Node>(AsciiCaseInsensitiveComparer.Instance);
                ChildLookup = Children.GetAlternateLookup<ReadOnlySpan<char>>();
            }
            if (!Children.TryGetValue(label, out var child))
            {
                child = new Node();
                Children.Add(label, child);
            }
            return child;
        }
    }
}
