using System.Collections.Concurrent;
using System.Net;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using SharpTun.Tun;
using SharpTun.Vpn.Noise;
using SharpTun.Vpn.Routing;
using SharpTun.Vpn.Transport;

namespace SharpTun.Vpn;

/// <summary>
/// A WireGuard interface: reads IP packets from a TUN queue, encrypts them for the peer that
/// cryptokey routing picks and sends them over the transport; decrypts what arrives and writes it
/// to the TUN when its inner source belongs to the sender. Three threads: TUN reader, transport
/// reader, handshake worker (X25519 is too slow for the data path); timers run on the
/// <see cref="TimeProvider"/>'s callbacks. See src/SharpTun/Vpn/README.md.
/// </summary>
public sealed partial class WireGuardDevice : IDisposable
{
    /// <summary>Packets per TUN read or UDP receive batch.</summary>
    public const int BatchSize = 64;

    /// <summary>Super-packets per TUN read batch with offload (each up to 64 KiB).</summary>
    private const int OffloadReadBatch = 16;

    /// <summary>Segment buffers a TUN reader with offload cuts super-packets into before a batch is sealed and sent.</summary>
    private const int SegmentBuffers = 256;

    /// <summary>Free space kept in front of each TUN packet for the 16-byte data header.</summary>
    internal const int Headroom = 32;

    /// <summary>The largest UDP payload.</summary>
    private const int MaxDatagram = 65535;

    private readonly StaticIdentity _identity;
    private readonly CookieChecker _cookieChecker;
    private readonly HandshakeRateLimiter _rateLimiter = new();
    private readonly IndexTable _index = new();
    private readonly AllowedIps<Peer> _allowedIps = new();
    private readonly ConcurrentDictionary<WireGuardKey, Peer> _peers = new();
    private readonly Lock _configurationLock = new();
    private readonly ITunQueue _tun;
    private readonly IWireGuardTransport _transport;
    private readonly TimeProvider _time;
    private readonly long _epoch;
    private readonly ILogger _logger;
    private readonly int _mtu;
    private readonly bool _tunOffload;
    private readonly PacketBufferPool _stagingPool;
    private readonly BlockingCollection<HandshakeWork> _handshakes = new(new ConcurrentQueue<HandshakeWork>(), HandshakeQueueCapacity);
    private readonly Thread _tunThread;
    private readonly Thread _receiveThread;
    private readonly Thread _handshakeThread;
    private readonly DropCounters _drops = new();
    private readonly TaskCompletionSource _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile bool _stopping;
    private int _disposed;

    private WireGuardDevice(WireGuardDeviceOptions options, ITunQueue tun, IWireGuardTransport transport, TimeProvider time, ILogger logger)
    {
        _identity = new StaticIdentity(options.PrivateKey);
        _cookieChecker = new CookieChecker(_identity);
        _tun = tun;
        _transport = transport;
        _time = time;
        _epoch = time.GetTimestamp();
        _logger = logger;
        _mtu = options.Mtu;
        _tunOffload = options.TunOffload;
        _stagingPool = new PacketBufferPool(Headroom + _mtu + TransportCrypto.TailRoom, Headroom, maxIdle: 1024);
        _tunThread = new Thread(TunLoop) { Name = "wg-tun", IsBackground = true };
        _receiveThread = new Thread(ReceiveLoop) { Name = "wg-receive", IsBackground = true };
        _handshakeThread = new Thread(HandshakeLoop) { Name = "wg-handshake", IsBackground = true };
    }

    /// <summary>
    /// Starts a device on <paramref name="tun"/> with a UDP transport on <see cref="WireGuardDeviceOptions.ListenPort"/>.
    /// The UDP socket is created in the network namespace of the calling thread. The device owns
    /// the queue from now on and closes it on <see cref="Dispose"/>.
    /// </summary>
    public static WireGuardDevice Start(WireGuardDeviceOptions options, ITunQueue tun, TimeProvider? time = null, ILogger? logger = null)
    {
        Validate(options);
        var transport = UdpTransport.Open(options.ListenPort, options.FwMark);
        try
        {
            return Start(options, tun, transport, time, logger);
        }
        catch
        {
            transport.Dispose();
            throw;
        }
    }

    /// <summary>Starts a device over any transport (tests use an in-memory one); it owns both from now on.</summary>
    public static WireGuardDevice Start(WireGuardDeviceOptions options, ITunQueue tun, IWireGuardTransport transport, TimeProvider? time = null, ILogger? logger = null)
    {
        Validate(options);
        ArgumentNullException.ThrowIfNull(tun);
        ArgumentNullException.ThrowIfNull(transport);
        var device = new WireGuardDevice(options, tun, transport, time ?? TimeProvider.System, logger ?? NullLogger.Instance);
        foreach (var peer in options.Peers)
            device.AddPeer(peer);
        device._handshakeThread.Start();
        device._receiveThread.Start();
        device._tunThread.Start();
        return device;
    }

    /// <summary>The interface's public key (what peers put in their [Peer] PublicKey).</summary>
    public WireGuardKey PublicKey => _identity.PublicKey;

    /// <summary>The UDP port the device listens on.</summary>
    public int ListenPort => _transport.LocalPort;

    public int Mtu => _mtu;

    /// <summary>
    /// Adds a peer, or throws <see cref="ArgumentException"/> when one with that key exists or the
    /// key is our own. Its allowed IPs move to it from any other peer (as <c>wg set</c> does). A peer
    /// with a persistent keepalive and an endpoint is contacted at once.
    /// </summary>
    public void AddPeer(WireGuardPeerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(options.PublicKey);
        if (options.PublicKey == _identity.PublicKey)
            throw new ArgumentException("a peer cannot have the interface's own public key", nameof(options));
        if (options.Endpoint is { Port: 0 })
            throw new ArgumentException($"peer {options.PublicKey}: endpoint {options.Endpoint} has no port (write it as host:port, e.g. 192.0.2.1:51820)", nameof(options));
        if (options.PersistentKeepalive is { } keepalive && (keepalive < TimeSpan.Zero || keepalive > MaxPersistentKeepalive))
            throw new ArgumentException($"peer {options.PublicKey}: persistent keepalive {keepalive.TotalSeconds} s is out of range (0 for off, up to 65535 s, as wg accepts)", nameof(options));
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        Peer peer;
        lock (_configurationLock)
        {
            peer = new Peer(_identity, options, _time, this);
            if (!_peers.TryAdd(options.PublicKey, peer))
            {
                peer.Dispose();
                throw new ArgumentException($"peer {options.PublicKey} is already configured", nameof(options));
            }
            foreach (var network in options.AllowedIps)
                _allowedIps.Insert(network, peer);
        }
        if (peer.PersistentKeepalive > TimeSpan.Zero && peer.TryGetEndpoint(out _))
            SendKeepalive(peer);
    }

    /// <summary>Removes a peer: its routes, sessions and staged packets go. False when there is none with that key.</summary>
    public bool RemovePeer(WireGuardKey publicKey)
    {
        lock (_configurationLock)
        {
            if (!_peers.TryRemove(publicKey, out var peer))
                return false;
            _allowedIps.RemoveAll(peer);
            peer.IsRemoved = true;
            peer.Dispose();
            ZeroKeys(peer);
            DropStaged(peer);
            return true;
        }
    }

    /// <summary>
    /// Points a peer at a new endpoint (a hostname resolved again because handshakes stopped
    /// succeeding, or <c>wg set ... endpoint</c>). Roaming may move it again when the peer is heard
    /// from elsewhere. False when there is no such peer.
    /// </summary>
    public bool SetPeerEndpoint(WireGuardKey publicKey, IPEndPoint endpoint)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        if (!_peers.TryGetValue(publicKey, out var peer))
            return false;
        peer.SetEndpoint(WireGuardEndpoint.From(endpoint));
        return true;
    }

    /// <summary>The peers as <c>wg show</c> lists them, in no particular order.</summary>
    public IReadOnlyList<WireGuardPeerStatus> GetPeers()
    {
        var result = new List<WireGuardPeerStatus>();
        foreach (var peer in _peers.Values)
        {
            IPEndPoint? endpoint = peer.TryGetEndpoint(out var value) ? value.ToIPEndPoint() : null;
            result.Add(new WireGuardPeerStatus(peer.PublicKey, peer.HasPresharedKey, endpoint, _allowedIps.PrefixesOf(peer),
                peer.LatestHandshake, peer.ReceivedBytes, peer.SentBytes,
                peer.PersistentKeepalive > TimeSpan.Zero ? peer.PersistentKeepalive : null, peer.UnansweredHandshakeSince));
        }
        return result;
    }

    /// <summary>
    /// Completes when the device is disposed; faults when it stopped on its own because a loop
    /// failed (the TUN device was deleted, the socket broke). A host awaits it next to its
    /// shutdown signal.
    /// </summary>
    public Task Completion => _completion.Task;

    /// <summary>The peer object for a key (tests inspect sessions and timers through it).</summary>
    internal Peer? FindPeer(WireGuardKey publicKey) => _peers.TryGetValue(publicKey, out var peer) ? peer : null;

    /// <summary>Drop counters since start.</summary>
    public WireGuardDeviceCounters Counters => _drops.Snapshot();

    /// <summary>Stops the threads, closes the TUN queue and the transport, and zeroes every key.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
            return;
        _stopping = true;
        _tun.Close();
        _transport.Close();
        Join(_tunThread);
        Join(_receiveThread);
        // Only the receive thread adds handshake work, and it has ended.
        _handshakes.CompleteAdding();
        Join(_handshakeThread);
        foreach (var peer in _peers.Values)
        {
            peer.IsRemoved = true;
            peer.Dispose();
            ZeroKeys(peer);
            DropStaged(peer);
        }
        _transport.Dispose();
        _handshakes.Dispose();
        _completion.TrySetResult();
    }

    private static void Join(Thread thread)
    {
        if (thread.IsAlive && thread != Thread.CurrentThread)
            thread.Join();
    }

    /// <summary>A loop ended by an exception: while stopping that is expected; otherwise the device is broken and says so.</summary>
    private void LoopFailed(Exception exception, string loop)
    {
        if (_stopping)
            return;
        VpnLog.LoopFailed(_logger, exception, loop);
        _completion.TrySetException(new InvalidOperationException($"the WireGuard device stopped: its {loop} loop failed: {exception.Message}", exception));
    }

    /// <summary>Monotonic time since the device started.</summary>
    internal TimeSpan Now => _time.GetElapsedTime(_epoch);

    private static void Validate(WireGuardDeviceOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(options.PrivateKey);
        if (options.Mtu is < 576 or > MaxDatagram - 80)
            throw new ArgumentOutOfRangeException(nameof(options), options.Mtu, $"MTU {options.Mtu} is out of range: use 576 to {MaxDatagram - 80} (1420 is the usual value)");
        if (options.ListenPort is < 0 or > 65535)
            throw new ArgumentOutOfRangeException(nameof(options), options.ListenPort, "ListenPort is 0 (any) to 65535");
    }

    private static readonly TimeSpan MaxPersistentKeepalive = TimeSpan.FromSeconds(65535);

    private static TimeSpan Jitter() => TimeSpan.FromMilliseconds(Random.Shared.Next(0, (int)Protocol.RekeyTimeoutJitterMax.TotalMilliseconds + 1));
}
