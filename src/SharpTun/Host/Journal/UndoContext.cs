namespace SharpTun.Host.Journal;

/// <summary>
/// What undo actions need, bound to one network namespace: the namespace of the thread that
/// created the context, or of the <see cref="RtNetlink"/> passed in.
/// </summary>
public sealed class UndoContext : IDisposable
{
    private readonly bool _ownsNetlink;
    private RtNetlink? _netlink;

    /// <summary>A context that opens its netlink socket lazily, in the namespace of the thread that first uses it.</summary>
    public UndoContext() => _ownsNetlink = true;

    /// <summary>A context that uses (and does not dispose) <paramref name="netlink"/>.</summary>
    public UndoContext(RtNetlink netlink) => _netlink = netlink;

    public RtNetlink Netlink => _netlink ??= RtNetlink.Open();

    public void Dispose()
    {
        if (_ownsNetlink)
            _netlink?.Dispose();
    }
}
