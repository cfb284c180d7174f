using System.Net;
using Microsoft.Win32.SafeHandles;
using SharpTun.Host.Journal;
using SharpTun.Host.Resolver;
using SharpTun.Interop;
using SharpTun.Tun;

namespace SharpTun.Host;

/// <summary>
/// Makes changes to the host through the journal: each is recorded (and fsynced) before it is
/// applied, and <see cref="Undo"/> reverts them all, newest first. Acts in the network namespace
/// of the thread that called <see cref="Open"/>, from whatever thread it is used later (the
/// netlink socket stays in that namespace), so <see cref="Undo"/> may run on a signal-handling
/// thread. Only changes SharpTun actually made are recorded: attaching to an existing device or
/// setting an MTU a link already has records nothing. Changes made through files and programs
/// rather than netlink (sysctls, nftables tables) are made from a thread in that same namespace.
/// Files (/etc/resolv.conf) belong to the mount namespace of the process instead.
/// Thread-safe.
/// </summary>
public sealed class HostChanges : IDisposable
{
    private readonly Lock _lock = new();
    private readonly RtNetlink _netlink;
    private readonly HostJournal _journal;
    private readonly SafeFileHandle _namespace;
    private readonly NetworkNamespaceId _namespaceId;
    private bool _undone;

    private HostChanges(RtNetlink netlink, HostJournal journal, SafeFileHandle ns)
    {
        _netlink = netlink;
        _journal = journal;
        _namespace = ns;
        _namespaceId = journal.Header.Namespace;
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
        SafeFileHandle? ns = null;
        try
        {
            ns = File.OpenHandle("/proc/thread-self/ns/net");
            return new HostChanges(netlink, HostJournal.Create(journalDirectory), ns);
        }
        catch
        {
            ns?.Dispose();
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
    /// Sets a kernel parameter (<c>net.ipv4.ip_forward</c>) to <paramref name="value"/>; undo
    /// restores the value it had. A parameter that already has the value records nothing.
    /// </summary>
    public void SetSysctl(string name, string value)
    {
        lock (_lock)
        {
            ThrowIfUndone();
            InOwnNamespace(() =>
            {
                var previous = Sysctl.Read(name);
                if (previous != value)
                    Apply(new SysctlChange(name, value, previous), () => Sysctl.Write(name, value));
                return 0;
            });
        }
    }

    /// <summary>
    /// Creates an nftables table with its chains in one <c>nft -f</c> transaction; undo deletes the
    /// table. A table of that name that exists already is refused (and left alone).
    /// </summary>
    public void AddNftablesTable(NftablesTable table)
    {
        ArgumentNullException.ThrowIfNull(table);
        lock (_lock)
        {
            ThrowIfUndone();
            InOwnNamespace(() =>
            {
                Apply(new NftablesTableChange(table.Family, table.Name), () => NftCommand.AddTable(table));
                return 0;
            });
        }
    }

    /// <summary>
    /// Replaces the resolver configuration <paramref name="path"/> (/etc/resolv.conf) with
    /// <paramref name="content"/>: written to a temporary file beside it and renamed over it, so
    /// readers never see half a file. A bind mount there (a container's, <c>ip netns exec</c>'s)
    /// cannot be renamed over, so it is rewritten in place instead. Undo restores what was there
    /// byte for byte (a symlink as a symlink), unless it was replaced again since.
    /// </summary>
    public void ReplaceResolvConf(string path, byte[] content)
    {
        ArgumentNullException.ThrowIfNull(content);
        lock (_lock)
        {
            ThrowIfUndone();
            var original = ResolvConfFile.Read(path);
            var mounts = MountTable.ReadCurrent();
            var change = new ResolvConfChange(path, ResolvConfFile.TemporaryPathFor(path), content, original);
            if (mounts.IsMountPoint(path))
                change = change with { InPlace = true, MountSource = mounts.SourcePathOf(path) };
            try
            {
                Apply(change, () => WriteResolvConf(change));
            }
            catch (InteropException e) when (e.Errno == Errno.EBUSY && !change.InPlace)
            {
                // Mounted over after all (since the mount table was read): the journal says so too.
                change = change with { InPlace = true, MountSource = MountTable.ReadCurrent().SourcePathOf(path) };
                Apply(change, () => WriteResolvConf(change));
            }
        }
    }

    /// <summary>
    /// Hands DNS lines to resolvconf(8) the way wg-quick does (<c>resolvconf -a RECORD -m 0 -x</c>:
    /// metric 0, exclusive); undo deletes the record (<c>resolvconf -d RECORD -f</c>).
    /// </summary>
    public void AddResolvconfRecord(string program, string record, string lines)
    {
        lock (_lock)
            Apply(new ResolvconfRecordChange(program, record), () => ResolverCommand.Run(program, ["-a", record, "-m", "0", "-x"], lines));
    }

    /// <summary>
    /// Gives systemd-resolved DNS servers and domains for <paramref name="link"/> (<c>resolvectl dns</c>,
    /// and <c>resolvectl domain</c> when there are domains; <c>~.</c> routes every query there);
    /// undo is <c>resolvectl revert</c>.
    /// </summary>
    public void SetResolvedLinkDns(string program, string link, IReadOnlyList<IPAddress> servers, IReadOnlyList<string> domains)
    {
        ArgumentNullException.ThrowIfNull(servers);
        ArgumentNullException.ThrowIfNull(domains);
        lock (_lock)
        {
            ThrowIfUndone();
            InOwnNamespace(() =>
            {
                Apply(new ResolvedLinkChange(program, link), () =>
                {
                    ResolverCommand.Run(program, ["dns", link, .. servers.Select(s => s.ToString())]);
                    if (domains.Count > 0)
                        ResolverCommand.Run(program, ["domain", link, .. domains]);
                });
                return 0;
            });
        }
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
            return InOwnNamespace(() => _journal.Undo(context));
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
            _namespace.Dispose();
        }
    }

    private static void WriteResolvConf(ResolvConfChange change)
    {
        if (change.InPlace)
            ResolvConfFile.RewriteInPlace(change.Path, change.Written);
        else
            ResolvConfFile.ReplaceAtomically(change.Path, change.TemporaryPath, change.Written, change.Original);
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

    /// <summary>
    /// Runs <paramref name="action"/> in the namespace this instance was opened in: on the calling
    /// thread when it is there, else on a short-lived thread that enters it (never the caller's own).
    /// </summary>
    private T InOwnNamespace<T>(Func<T> action) =>
        NetworkNamespaceId.Current() == _namespaceId
            ? action()
            : NetworkNamespaces.RunInside($"/proc/self/fd/{_namespace.DangerousGetHandle()}", action);

    private void ThrowIfUndone() =>
        ObjectDisposedException.ThrowIf(_undone, this);
}
