using SharpTun.Tun;
using SharpTun.Vpn.Noise;
using SharpTun.Vpn.Transport;

namespace SharpTun.Vpn;

/// <summary>
/// The state the device keeps for one peer: handshake, keypairs (previous, current, next: paper
/// §6.2 rotation), endpoint, packets staged while no session exists, statistics and timers.
/// </summary>
internal sealed class Peer : IDisposable
{
    /// <summary>Packets held while a handshake is pending (wireguard-go's QueueStagedSize); the oldest is dropped beyond this.</summary>
    public const int MaxStagedPackets = 128;

    private sealed class EndpointBox(WireGuardEndpoint value)
    {
        public readonly WireGuardEndpoint Value = value;
    }

    private readonly Queue<PacketBuffer> _staged = new();
    private volatile EndpointBox? _endpoint;
    private volatile Keypair? _current;
    private volatile Keypair? _next;
    private long _receivedBytes;
    private long _sentBytes;
    private long _latestHandshakeTicks;
    private long _unansweredHandshakeSinceTicks;

    public Peer(StaticIdentity local, WireGuardPeerOptions options, TimeProvider time, WireGuardDevice device)
    {
        PublicKey = options.PublicKey;
        HasPresharedKey = options.PresharedKey is { IsZero: false };
        Handshake = new HandshakeState(local, options.PublicKey, options.PresharedKey);
        Cookies = new CookieGenerator(options.PublicKey);
        PersistentKeepalive = options.PersistentKeepalive is { } keepalive && keepalive > TimeSpan.Zero ? keepalive : TimeSpan.Zero;
        if (options.Endpoint is { } endpoint)
            _endpoint = new EndpointBox(WireGuardEndpoint.From(endpoint));
        RetransmitHandshake = new PeerTimer(time, this, static peer => peer.Device.OnRetransmitHandshake(peer));
        SendKeepalive = new PeerTimer(time, this, static peer => peer.Device.OnSendKeepalive(peer));
        NewHandshake = new PeerTimer(time, this, static peer => peer.Device.OnNewHandshake(peer));
        ZeroKeyMaterial = new PeerTimer(time, this, static peer => peer.Device.OnZeroKeyMaterial(peer));
        PersistentKeepaliveTimer = new PeerTimer(time, this, static peer => peer.Device.OnPersistentKeepalive(peer));
        Device = device;
    }

    public WireGuardDevice Device { get; }
    public WireGuardKey PublicKey { get; }
    public bool HasPresharedKey { get; }
    public HandshakeState Handshake { get; }
    public CookieGenerator Cookies { get; }
    public TimeSpan PersistentKeepalive { get; }
    public volatile bool IsRemoved;

    // Handshake bookkeeping, guarded by Handshake.Lock.
    public int HandshakeAttempts;
    public TimeSpan? LastSentHandshake;

    /// <summary>Set once the "last minute" rekey of paper §6.2 was sent for the current session.</summary>
    public volatile bool SentLastMinuteHandshake;

    /// <summary>Data arrived while the keepalive timer was already pending: arm it again when it fires.</summary>
    public volatile bool NeedAnotherKeepalive;

    public PeerTimer RetransmitHandshake { get; }
    public PeerTimer SendKeepalive { get; }
    public PeerTimer NewHandshake { get; }
    public PeerTimer ZeroKeyMaterial { get; }
    public PeerTimer PersistentKeepaliveTimer { get; }

    /// <summary>Guards the keypair slots. Readers of <see cref="Current"/> and <see cref="Next"/> need not take it.</summary>
    public Lock KeypairLock { get; } = new();
    public Keypair? Previous { get; set; }

    public Keypair? Current
    {
        get => _current;
        set => _current = value;
    }

    public Keypair? Next
    {
        get => _next;
        set => _next = value;
    }

    public bool TryGetEndpoint(out WireGuardEndpoint endpoint)
    {
        var box = _endpoint;
        endpoint = box?.Value ?? default;
        return box is not null;
    }

    /// <summary>Roaming (paper §2.1): the endpoint becomes the source of the latest authenticated packet. True when it changed.</summary>
    public bool UpdateEndpoint(in WireGuardEndpoint source)
    {
        var box = _endpoint;
        if (box is not null && box.Value == source)
            return false;
        _endpoint = new EndpointBox(source);
        return true;
    }

    /// <summary>Sets the endpoint from configuration (a re-resolved hostname).</summary>
    public void SetEndpoint(in WireGuardEndpoint endpoint) => _endpoint = new EndpointBox(endpoint);

    public void AddReceived(int bytes) => Interlocked.Add(ref _receivedBytes, bytes);

    public void AddSent(int bytes) => Interlocked.Add(ref _sentBytes, bytes);

    public long ReceivedBytes => Interlocked.Read(ref _receivedBytes);

    public long SentBytes => Interlocked.Read(ref _sentBytes);

    public DateTimeOffset? LatestHandshake
    {
        get
        {
            var ticks = Interlocked.Read(ref _latestHandshakeTicks);
            return ticks == 0 ? null : new DateTimeOffset(ticks, TimeSpan.Zero);
        }
        set => Interlocked.Exchange(ref _latestHandshakeTicks, value?.UtcTicks ?? 0);
    }

    /// <summary>
    /// When the first handshake initiation that is still unanswered went out: set by the first
    /// initiation after a completed handshake (retries keep it), cleared when one completes. A
    /// caller that sees it grow old knows the peer's endpoint stopped answering.
    /// </summary>
    public DateTimeOffset? UnansweredHandshakeSince
    {
        get
        {
            var ticks = Interlocked.Read(ref _unansweredHandshakeSinceTicks);
            return ticks == 0 ? null : new DateTimeOffset(ticks, TimeSpan.Zero);
        }
    }

    /// <summary>An initiation went out at <paramref name="now"/>: the start of the unanswered stretch unless one is already running.</summary>
    public void InitiationSent(DateTimeOffset now) => Interlocked.CompareExchange(ref _unansweredHandshakeSinceTicks, now.UtcTicks, 0);

    /// <summary>A handshake completed: nothing is unanswered any more.</summary>
    public void HandshakeAnswered() => Interlocked.Exchange(ref _unansweredHandshakeSinceTicks, 0);

    public bool HasStaged
    {
        get
        {
            lock (_staged)
                return _staged.Count > 0;
        }
    }

    /// <summary>Queues a copy; returns the buffer that was pushed out (the oldest) when the queue was full, else null.</summary>
    public PacketBuffer? Stage(PacketBuffer copy)
    {
        lock (_staged)
        {
            _staged.Enqueue(copy);
            return _staged.Count > MaxStagedPackets ? _staged.Dequeue() : null;
        }
    }

    /// <summary>Takes every staged packet, in order.</summary>
    public int TakeStaged(List<PacketBuffer> into)
    {
        lock (_staged)
        {
            var count = _staged.Count;
            while (_staged.TryDequeue(out var buffer))
                into.Add(buffer);
            return count;
        }
    }

    public void Dispose()
    {
        RetransmitHandshake.Dispose();
        SendKeepalive.Dispose();
        NewHandshake.Dispose();
        ZeroKeyMaterial.Dispose();
        PersistentKeepaliveTimer.Dispose();
    }
}
