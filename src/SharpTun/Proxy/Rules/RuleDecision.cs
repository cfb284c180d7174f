namespace SharpTun.Proxy.Rules;

/// <summary>The outcome of a lookup: the first rule that matched, or none.</summary>
public readonly struct RuleDecision
{
    /// <summary>A decision for <paramref name="rule"/>; <c>default</c> means no rule matched.</summary>
    public RuleDecision(Rule rule) => Rule = rule;

    /// <summary>The rule that matched, or null when none did (no MATCH line at the end).</summary>
    public Rule? Rule { get; }

    /// <summary>True when a rule matched.</summary>
    public bool Matched => Rule is not null;

    /// <summary>The index of the rule that matched, or -1.</summary>
    public int RuleIndex => Rule?.Index ?? -1;

    /// <summary>The outbound to use, or null when no rule matched.</summary>
    public string? Target => Rule?.Target;

    /// <inheritdoc/>
    public override string ToString() => Rule is null ? "no rule matched" : $"rule {Rule.Index} ({Rule.Text}) -> {Rule.Target}";
}
