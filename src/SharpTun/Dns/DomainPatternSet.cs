using System.Text.RegularExpressions;
using SharpTun.Proxy.Rules;

namespace SharpTun.Dns;

/// <summary>
/// Domain patterns as mihomo's fake-ip-filter writes them: <c>example.org</c> (that name),
/// <c>+.example.org</c> (the name and every name below it), <c>.example.org</c> (only names below
/// it), <c>*.example.org</c> (exactly one label below it), and <c>*</c> anywhere else standing for one
/// label (<c>time.*.com</c>). Names compare ASCII case-insensitively and a final dot is ignored.
/// Plain and suffix patterns go into a label trie, so a lookup costs one step per label whatever the
/// number of patterns; only patterns with an inner <c>*</c> are regular expressions.
/// </summary>
public sealed class DomainPatternSet
{
    private readonly DomainSuffixTrie _names = new();
    private readonly DomainSuffixTrie _oneLabelBelow = new();
    private readonly Regex[] _wildcards;

    /// <summary>Compiles <paramref name="patterns"/>; throws <see cref="ArgumentException"/> naming a pattern that is not a domain pattern.</summary>
    public DomainPatternSet(IEnumerable<string> patterns)
    {
        ArgumentNullException.ThrowIfNull(patterns);
        var wildcards = new List<Regex>();
        foreach (var raw in patterns)
        {
            var pattern = raw.Trim().TrimEnd('.').ToLowerInvariant();
            if (Problem(pattern) is { } problem)
                throw new ArgumentException($"domain pattern '{raw}' {problem}");
            if (pattern.StartsWith("+.", StringComparison.Ordinal))
                _names.Add(RuleConditionKind.DomainSuffix, pattern[2..], 0);
            else if (pattern.StartsWith("*.", StringComparison.Ordinal) && !pattern[2..].Contains('*'))
                _oneLabelBelow.Add(RuleConditionKind.Domain, pattern[2..], 0);
            else if (pattern.Contains('*'))
                wildcards.Add(new Regex("^" + string.Join("[^.]+", pattern.Split('*').Select(Regex.Escape)) + "$",
                    RegexOptions.CultureInvariant | RegexOptions.IgnoreCase | RegexOptions.NonBacktracking));
            else if (pattern.StartsWith('.'))
                _names.Add(RuleConditionKind.Subdomain, pattern[1..], 0);
            else
                _names.Add(RuleConditionKind.Domain, pattern, 0);
        }
        _wildcards = [.. wildcards];
    }

    /// <summary>True when a pattern matches <paramref name="domain"/>; allocates nothing unless an inner-<c>*</c> pattern must run.</summary>
    public bool Matches(ReadOnlySpan<char> domain)
    {
        if (domain.EndsWith('.'))
            domain = domain[..^1];
        if (domain.IsEmpty)
            return false;
        if (_names.Lookup(domain, int.MaxValue) == 0)
            return true;
        var dot = domain.IndexOf('.');
        if (dot > 0 && _oneLabelBelow.Lookup(domain[(dot + 1)..], int.MaxValue) == 0)
            return true;
        foreach (var wildcard in _wildcards)
        {
            if (wildcard.IsMatch(domain))
                return true;
        }
        return false;
    }

    private static string? Problem(string pattern)
    {
        var name = pattern.StartsWith("+.", StringComparison.Ordinal) ? pattern[2..] : pattern.TrimStart('.');
        if (name.Length == 0)
            return "is empty";
        if (name.Split('.').Any(label => label.Length == 0))
            return "has an empty label";
        if (name.Split('.').Any(label => label.Contains('*') && label != "*"))
            return "has '*' inside a label (a '*' stands for one whole label)";
        return name.Any(c => c is <= ' ' or >= (char)0x7f or '/' or ':' or '@') ? "contains a character a domain cannot have" : null;
    }
}
