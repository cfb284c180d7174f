namespace SharpTun.Host.Journal;

/// <summary>A persistent TUN device SharpTun created; undo deletes it.</summary>
public sealed record TunDeviceChange(string Name) : HostChange
{
    public override void Undo(UndoContext context)
    {
        var link = context.Netlink.FindLink(Name);
        if (link is null)
            return;
        // The name may have been taken by something else since; delete only a TUN.
        if (link.Kind != "tun")
            throw new InvalidOperationException($"'{Name}' is now a {link.Kind ?? "non-TUN"} link, not the TUN device SharpTun created; left alone");
        context.Netlink.DeleteLink(Name);
    }

    public override string ToString() => $"persistent TUN device {Name}";
}
