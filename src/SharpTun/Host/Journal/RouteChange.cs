namespace SharpTun.Host.Journal;

/// <summary>A route SharpTun added; undo deletes it from its table.</summary>
public sealed record RouteChange(Route Route) : HostChange
{
    public override void Undo(UndoContext context) => context.Netlink.DeleteRoute(Route);

    public override string ToString() => $"route {Route}";
}
