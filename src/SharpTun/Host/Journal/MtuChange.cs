namespace SharpTun.Host.Journal;

/// <summary>An MTU SharpTun changed on an existing link; undo restores <see cref="PreviousMtu"/>.</summary>
public sealed record MtuChange(string Link, int PreviousMtu) : HostChange
{
    public override void Undo(UndoContext context) => context.Netlink.SetMtu(Link, PreviousMtu);

    public override string ToString() => $"MTU of {Link} (was {PreviousMtu})";
}
