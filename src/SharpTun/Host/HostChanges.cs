using SharpTun.Host.Journal;
using SharpTun.Tun;

namespace SharpTun.Host;

/// <summary>
/// Makes changes to the host through the journal: each is recorded (and fsynced) before it is
/// applied, and <see cref="Undo"/> reverts them all, newest first. Acts in the network namespace
/// of the thread that called <see cref="Open"/>, from whatever thread it is used later (the
/// netlink socket stays in that namespace), so <see cref="Undo"/> may run on a signal-handling
/// thread. Only changes SharpTun actually made are recorded: attaching to an existing device or
/// setting an MTU a link already has records nothing. Thread-safe.
/// </summary>
public sealed class HostChanges : IDisposable
{
    private readonly Lock _lock = new();
    private readonly RtNetlink _netlink;
    private readonly HostJournal _journal;
    private bool _undone;

    private HostChanges(RtNetlink netlink, HostJournal journal)
    {
        _netlink = netlink;
        _journal = journal;
    }

    /// <summary>The journal file, <c>DIRECTORY/PID.journal</c>.</summary>
    public string JournalPath => _journal.Path;

    /// <summary>
    /// Opens the netlink socket and starts this process's journal in
    /// <paramref name="journalDirectory"/> (default /run/sharptun).
    /// </summary>
    public static HostChanges Open(string? journalDirectory = null)
    {
        var netlink = RtNetlink.Open();
        try
        {
            return new HostChanges(netlink, HostJournal.Create(journalDirectory));
        }
        catch
        {
            netlink.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Creates a TUN device. With <see cref="TunOptions.Persist"/>, the device is first created
    /// non-persistent (it vanishes if we die now), its real name is journaled, and only then is it
    /// made persistent; undo deletes it. Attaching to a device that already existed journals nothing.
    /// </summary>
    public LinuxTunDevice CreateTun(TunOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        lock (_lock)
        {
            ThrowIfUndone();
            var existed = !TunName.IsPattern(options.Name) && _netlink.FindLink(options.Name) is not null;
            if (!options.Persist || existed)
                return LinuxTunDevice.Create(options);
            var device = LinuxTunDevice.Create(options with { Persist = false });
            try
            {
                Apply(new TunDeviceChange(device.Name), () => device.SetPersistent(true));
                return device;
            }
            catch
            {
                device.Dispose();
                throw;
            }
        }
    }

    /// <summary>Whether a link with this name exists in this namespace.</summary>
    public bool LinkExists(string name)
    {
        lock (_lock)
            return _netlink.FindLink(name) is not null;
    }

    /// <summary>The current MTU of a link.</summary>
    public int GetMtu(string link)
    {
        lock (_lock)
            return _netlink.GetLink(link).Mtu;
    }

    /// <summary>Adds an address to a link; undo deletes it.</summary>
    public void AddAddress(string link, InterfaceAddress address)
    {
        lock (_lock)
            Apply(new AddressChange(link, address), () => _netlink.AddAddress(link, address));
    }

    /// <summary>Sets a link's MTU; undo restores the previous one.</summary>
    public void SetMtu(string link, int mtu)
    {
        lock (_lock)
        {
            var previous = _netlink.GetLink(link).Mtu;
            if (previous != mtu)
                Apply(new MtuChange(link, previous), () => _netlink.SetMtu(link, mtu));
        }
    }

    /// <summary>Sets a link up or down; undo restores the previous state.</summary>
    public void SetLinkUp(string link, bool up)
    {
        lock (_lock)
        {
            var wasUp = _netlink.GetLink(link).IsUp;
            if (wasUp != up)
                Apply(new LinkStateChange(link, wasUp), () => _netlink.SetLinkUp(link, up));
        }
    }

    /// <summary>
    /// Creates the named network namespace <paramref name="name"/> with <c>ip netns add</c> and
    /// its /etc/netns directory; undo deletes both, and with them everything made inside.
    /// </summary>
    public NetworkNamespaceChange CreateNetworkNamespace(string name)
    {
        var change = new NetworkNamespaceChange(name, CreatedConfigurationRoot: !Directory.Exists(NetworkNamespaceChange.ConfigurationRoot));
        lock (_lock)
            Apply(change, () =>
            {
                IpCommand.Run("netns", "add", name);
                Directory.CreateDirectory(change.ConfigurationDirectory);
            });
        return change;
    }

    /// <summary>Adds a route; undo deletes it.</summary>
    public void AddRoute(Route route)
    {
        lock (_lock)
            Apply(new RouteChange(route), () => _netlink.AddRoute(route));
    }

    /// <summary>Adds a policy routing rule; undo deletes it.</summary>
    public void AddRule(RoutingRule rule)
    {
        lock (_lock)
            Apply(new RuleChange(rule), () => _netlink.AddRule(rule));
    }

    /// <summary>
    /// Reverts every change, newest first, and deletes the journal. Call it on normal exit and on
    /// SIGINT/SIGTERM; later calls return an empty report and further changes are refused.
    /// </summary>
    public UndoReport Undo()
    {
        lock (_lock)
        {
            if (_undone)
                return UndoReport.Empty;
            _undone = true;
            using var context = new UndoContext(_netlink);
            return _journal.Undo(context);
        }
    }

    /// <summary>
    /// Keeps every change made so far and deletes the journal, for changes the user asked to outlive
    /// this process (<c>tun add --persist</c>). Until this call a crash still undoes a half-done setup.
    /// Further changes are refused.
    /// </summary>
    public void Keep()
    {
        lock (_lock)
        {
            _undone = true;
            _journal.Forget();
        }
    }

    /// <summary>Undoes (if not done yet) and closes the netlink socket.</summary>
    public void Dispose()
    {
        Undo();
        lock (_lock)
        {
            _journal.Dispose();
            _netlink.Dispose();
        }
    }

    /// <summary>Journal first, then apply; a failed apply is marked so undo will not touch what was already there.</summary>
    private void Apply(HostChange change, Action apply)
    {
        ThrowIfUndone();
        var sequence = _journal.Record(change);
        try
        {
            apply();
        }
        catch
        {
            _journal.MarkNotApplied(sequence);
            throw;
        }
    }

    private void ThrowIfUndone() =>
        ObjectDisposedException.ThrowIf(_undone, this);
}
