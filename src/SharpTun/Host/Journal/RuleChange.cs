namespace SharpTun.Host.Journal;

/// <summary>A policy routing rule SharpTun added; undo deletes it.</summary>
public sealed record RuleChange(RoutingRule Rule) : HostChange
{
    public override void Undo(UndoContext context) => context.Netlink.DeleteRule(Rule);

    public override string ToString() => $"rule {Rule}";
}
