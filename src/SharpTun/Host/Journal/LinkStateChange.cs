namespace SharpTun.Host.Journal;

/// <summary>An up/down state SharpTun changed on a link; undo restores it.</summary>
public sealed record LinkStateChange(string Link, bool WasUp) : HostChange
{
    public override void Undo(UndoContext context) => context.Netlink.SetLinkUp(Link, WasUp);

    public override string ToString() => $"state of {Link} (was {(WasUp ? "up" : "down")})";
}
