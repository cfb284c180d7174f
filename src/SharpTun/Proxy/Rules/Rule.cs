namespace SharpTun.Proxy.Rules;

/// <summary>
/// One parsed rule line: <c>TYPE,VALUE,TARGET[,no-resolve]</c>. Rules are evaluated top to bottom and
/// the first that matches picks the outbound named by <see cref="Target"/>.
/// </summary>
public sealed class Rule
{
    /// <summary>Creates a rule; <see cref="RuleParser"/> is the usual way.</summary>
    public Rule(int index, int lineNumber, string text, RuleType type, string target, IReadOnlyList<RuleCondition> conditions)
    {
        Index = index;
        LineNumber = lineNumber;
        Text = text;
        Type = type;
        Target = target;
        Conditions = conditions;
    }

    /// <summary>Position among the rules, 0 first; lower wins.</summary>
    public int Index { get; }

    /// <summary>The 1-based line the rule came from.</summary>
    public int LineNumber { get; }

    /// <summary>The line as written, trimmed: what a decision reports.</summary>
    public string Text { get; }

    /// <summary>The rule type.</summary>
    public RuleType Type { get; }

    /// <summary>The outbound this rule sends matching connections to.</summary>
    public string Target { get; }

    /// <summary>
    /// What must hold for the rule to match, any one of them: one condition for a plain rule, the
    /// rule set's conditions for <see cref="RuleType.RuleSet"/>.
    /// </summary>
    public IReadOnlyList<RuleCondition> Conditions { get; }

    /// <inheritdoc/>
    public override string ToString() => Text;
}
