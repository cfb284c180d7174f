using SharpTun.Host.Resolver;
using SharpTun.Interop;

namespace SharpTun.Host.Journal;

/// <summary>
/// DNS servers and domains SharpTun gave systemd-resolved for the interface <see cref="Interface"/>
/// (<c>resolvectl dns/domain</c>); undo is <c>resolvectl revert</c>. When the interface is gone,
/// resolved has forgotten its settings with it: nothing to undo.
/// </summary>
public sealed record ResolvedLinkChange(string Program, string Interface) : HostChange
{
    public override void Undo(UndoContext context)
    {
        if (context.Netlink.FindLink(Interface) is null)
            throw new InteropException($"resolvectl revert {Interface}", Errno.ENODEV, hint: "the interface is gone, and its DNS settings with it");
        ResolverCommand.Run(Program, ["revert", Interface]);
    }

    public override string ToString() => $"systemd-resolved DNS of {Interface}";
}
