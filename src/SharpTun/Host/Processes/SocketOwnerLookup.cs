using System.Net;
using System.Net.Sockets;
using System.Text;
using SharpTun.Interop;
using static SharpTun.Host.Processes.SockDiagConstants;

namespace SharpTun.Host.Processes;

/// <summary>
/// Finds the local process that owns the source socket of a TCP or UDP flow, for PROCESS-NAME
/// rules. Three steps: sock_diag(7) finds the socket's inode and uid by the flow's ends; the
/// /proc/PID/fd symlinks (<c>socket:[INODE]</c>) give the pid; /proc/PID/exe gives the name.
/// </summary>
/// <remarks>
/// <para>
/// The netlink socket is opened in the network namespace of the thread that constructs the
/// lookup, and only sockets of that namespace are found, whichever thread calls later. The /proc
/// scan sees every process of this process's pid namespace.
/// </para>
/// <para>
/// Scanning /proc is the expensive step (one readlink per open fd on the machine), so its results
/// are kept twice: a bounded cache of the sockets already resolved, and the index of every socket
/// from the latest full scan, so that a burst of new flows costs one scan. A socket in neither is
/// first looked for among the fds of the last few owners (most new flows come from a few
/// programs), then by a full scan; concurrent lookups that need a scan share it. Every remembered
/// holder is confirmed with one readlink before it is believed, so a process that exited or
/// closed the fd is never reported.
/// </para>
/// <para>
/// Expected failures are values: no such socket, a process that exits between the steps or one
/// root may not inspect all give null. Nothing is logged. Thread-safe.
/// </para>
/// </remarks>
public sealed class SocketOwnerLookup : IDisposable
{
    /// <summary>How many resolved sockets, and separately how many processes' names, are remembered by default.</summary>
    public const int DefaultCacheCapacity = 4096;

    // Fds a guess among recent owners may read before the first full scan says how many there are.
    private const int MinimumGuessLinks = 256;

    private readonly SockDiagSocket _diag;
    private readonly ProcSocketScanner _scanner = new();
    private readonly ProcSocketScanner _guessScanner = new();
    private readonly Dictionary<uint, SocketHolder> _guessed = [];
    private readonly Lock _guessLock = new();
    private readonly RecentOwners _recentOwners = new();
    private readonly Lock _lock = new();
    private readonly GenerationalCache<uint, SocketHolder> _holders;
    private readonly GenerationalCache<int, ProcessIdentity> _processes;
    private Dictionary<uint, SocketHolder> _index = [];
    private Task<Dictionary<uint, SocketHolder>>? _latestScan;
    private long _latestScanNumber;
    private long _scansQueued;
    private long _scansStarted;
    private int _scansCompleted;
    private int _lastScanLinks;

    /// <summary>
    /// Opens a NETLINK_SOCK_DIAG socket in the calling thread's network namespace; a failure to
    /// open it throws <see cref="InteropException"/>.
    /// </summary>
    /// <param name="cacheCapacity">How many resolved sockets (and process names) to remember.</param>
    public SocketOwnerLookup(int cacheCapacity = DefaultCacheCapacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(cacheCapacity, 2);
        _holders = new GenerationalCache<uint, SocketHolder>(cacheCapacity);
        _processes = new GenerationalCache<int, ProcessIdentity>(cacheCapacity);
        _diag = SockDiagSocket.Open();
    }

    /// <summary>Full /proc scans completed so far (for tests and cost reports).</summary>
    internal int ScansCompleted => Volatile.Read(ref _scansCompleted);

    /// <summary>
    /// The process that owns the local socket of a flow from <paramref name="source"/> (a local
    /// socket) to <paramref name="destination"/>, or null when it is unknown. Both ends IPv4 or
    /// both IPv6; IPv4-mapped IPv6 addresses count as IPv4, and an IPv4 flow is also found on a
    /// dual-stack IPv6 socket. For UDP, a connected socket matches both ends and an unconnected
    /// one its local port (its address, or a wildcard bind); pass <see cref="IPAddress.Any"/>:0 as
    /// <paramref name="destination"/> to find only an unconnected socket.
    /// </summary>
    /// <remarks>
    /// Completes synchronously, without allocating, when the socket was resolved before or is in
    /// the latest scan's index (a netlink round trip and two readlinks, a few microseconds);
    /// otherwise it waits for a /proc scan on the thread pool. Only cancellation throws.
    /// </remarks>
    public ValueTask<SocketOwner?> FindAsync(ProtocolType protocol, IPEndPoint source, IPEndPoint destination, CancellationToken cancellationToken = default)
    {
        if (!TryFindSocket(protocol, source, destination, out var socket))
            return new ValueTask<SocketOwner?>((SocketOwner?)null);
        // A scan that has not started yet starts after the socket was seen to exist, so it finds it.
        var ticket = Interlocked.Read(ref _scansStarted);
        if (TryFindKnownHolder(socket.Inode, out var holder))
            return new ValueTask<SocketOwner?>(Describe(holder, socket.Uid));
        return FindByScanAsync(socket, ticket, cancellationToken);
    }

    /// <summary>
    /// The first step alone: the inode and owner uid of the flow's local socket (as
    /// <see cref="FindAsync"/> matches it), or false. One netlink round trip, a few microseconds.
    /// </summary>
    public bool TryFindSocket(ProtocolType protocol, IPEndPoint source, IPEndPoint destination, out uint inode, out uint userId)
    {
        var found = TryFindSocket(protocol, source, destination, out var socket);
        inode = socket.Inode;
        userId = socket.Uid;
        return found;
    }

    public void Dispose() => _diag.Dispose();

    private bool TryFindSocket(ProtocolType protocol, IPEndPoint source, IPEndPoint destination, out InetDiagMessage socket)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(destination);
        var protocolNumber = protocol switch
        {
            ProtocolType.Tcp => IPPROTO_TCP,
            ProtocolType.Udp => IPPROTO_UDP,
            _ => throw new ArgumentOutOfRangeException(nameof(protocol), protocol, "only TCP and UDP sockets can be looked up"),
        };
        var local = SocketAddressKey.From(source.Address);
        var remote = SocketAddressKey.From(destination.Address);
        if (SocketAddressKey.IsAny(remote))
            remote = SocketAddressKey.IsIPv4(local) ? SocketAddressKey.IPv4Any : UInt128.Zero;
        else if (SocketAddressKey.IsIPv4(local) != SocketAddressKey.IsIPv4(remote))
            throw new ArgumentException($"the ends of a flow must be of one family: {source} -> {destination}", nameof(destination));
        return _diag.TryFind(protocolNumber, local, (ushort)source.Port, remote, (ushort)destination.Port, out socket);
    }

    /// <summary>A holder from the cache or the latest index, confirmed to still hold the socket.</summary>
    private bool TryFindKnownHolder(uint inode, out SocketHolder holder)
    {
        bool known;
        lock (_lock)
            known = _holders.TryGet(inode, out holder) || _index.TryGetValue(inode, out holder);
        if (!known)
            return false;
        if (ProcSocketScanner.StillHolds(holder, inode))
        {
            lock (_lock)
            {
                _holders.Set(inode, holder);
                _recentOwners.Touch(holder.ProcessId);
            }
            return true;
        }
        lock (_lock)
            _holders.Remove(inode);
        return false;
    }

    private async ValueTask<SocketOwner?> FindByScanAsync(InetDiagMessage socket, long ticket, CancellationToken cancellationToken)
    {
        var guessed = await Task.Run(() => TryRecentOwners(socket.Inode), cancellationToken).WaitAsync(cancellationToken).ConfigureAwait(false);
        if (guessed is { } found)
            return Describe(found, socket.Uid);
        var index = await ScanStartedAfter(ticket).WaitAsync(cancellationToken).ConfigureAwait(false);
        if (!index.TryGetValue(socket.Inode, out var holder) || !ProcSocketScanner.StillHolds(holder, socket.Inode))
            return null; // closed meanwhile, or held only by processes root may not inspect
        lock (_lock)
        {
            _holders.Set(socket.Inode, holder);
            _recentOwners.Touch(holder.ProcessId);
        }
        return Describe(holder, socket.Uid);
    }

    /// <summary>
    /// Looks for a socket that no scan has seen among the fds of the processes that owned the last
    /// sockets found, reading at most a quarter of the fds a full scan reads. A hit caches every
    /// socket of that process, so the rest of a burst from one program is found in the cache.
    /// Null when the guess fails or another guess is running (the caller then waits for a full scan).
    /// </summary>
    private SocketHolder? TryRecentOwners(uint inode)
    {
        if (!_guessLock.TryEnter())
            return null;
        try
        {
            Span<int> pids = stackalloc int[RecentOwners.Capacity];
            int count;
            lock (_lock)
                count = _recentOwners.CopyTo(pids);
            var budget = Math.Max(MinimumGuessLinks, Volatile.Read(ref _lastScanLinks) / 4);
            var links = 0;
            foreach (var pid in pids[..count])
            {
                _guessed.Clear();
                links += _guessScanner.ScanProcess(pid, _guessed);
                if (_guessed.TryGetValue(inode, out var holder))
                {
                    lock (_lock)
                    {
                        foreach (var (guessedInode, guessedHolder) in _guessed)
                            _holders.Set(guessedInode, guessedHolder);
                        _recentOwners.Touch(pid);
                    }
                    return holder;
                }
                if (links >= budget)
                    break;
            }
            return null;
        }
        finally
        {
            _guessLock.Exit();
        }
    }

    /// <summary>
    /// A full scan that started after <paramref name="ticket"/> scans had started: the latest one if
    /// it qualifies (queued, running or done), else a new one, started when the one before it ends
    /// so that scans never overlap (they are numbered in the order they start).
    /// </summary>
    private Task<Dictionary<uint, SocketHolder>> ScanStartedAfter(long ticket)
    {
        lock (_lock)
        {
            if (_latestScan is not null && _latestScanNumber > ticket)
                return _latestScan;
            _latestScanNumber = Interlocked.Increment(ref _scansQueued);
            var previous = _latestScan;
            _latestScan = previous is null || previous.IsCompleted
                ? Task.Run(Scan)
                : previous.ContinueWith(_ => Scan(), CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
            return _latestScan;
        }
    }

    private Dictionary<uint, SocketHolder> Scan()
    {
        Interlocked.Increment(ref _scansStarted);
        var index = _scanner.ScanAll();
        Volatile.Write(ref _lastScanLinks, _scanner.LinksRead);
        lock (_lock)
            _index = index;
        Interlocked.Increment(ref _scansCompleted);
        return index;
    }

    /// <summary>The owner record for a confirmed holder, or null when the process is gone by now.</summary>
    private SocketOwner? Describe(SocketHolder holder, uint userId)
    {
        var pid = holder.ProcessId;
        Span<byte> path = stackalloc byte[ProcessExecutable.MaxPathLength];
        if (!ProcessExecutable.TryReadPath(pid, path, out var length))
            return ProcessExecutable.ReadCommand(pid) is { } command ? new SocketOwner(pid, userId, command, null) : null;
        var bytes = path[..length];
        ProcessIdentity? identity;
        lock (_lock)
        {
            if (!_processes.TryGet(pid, out identity!) || !bytes.SequenceEqual(identity.PathBytes))
            {
                var text = Encoding.UTF8.GetString(bytes);
                identity = new ProcessIdentity(bytes.ToArray(), text, text[(text.LastIndexOf('/') + 1)..]);
                _processes.Set(pid, identity);
            }
        }
        return new SocketOwner(pid, userId, identity.Name, identity.Path);
    }
}
