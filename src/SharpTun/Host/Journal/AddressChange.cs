namespace SharpTun.Host.Journal;

/// <summary>An address SharpTun added to a link; undo deletes it.</summary>
public sealed record AddressChange(string Link, InterfaceAddress Address) : HostChange
{
    public override void Undo(UndoContext context) => context.Netlink.DeleteAddress(Link, Address);

    public override string ToString() => $"address {Address} on {Link}";
}
