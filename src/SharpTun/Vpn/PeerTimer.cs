namespace SharpTun.Vpn;

/// <summary>
/// One of a peer's protocol timers (wireguard-go's timers.go) over an injected
/// <see cref="TimeProvider"/>, so tests move time by hand. Remembers whether it is pending, so the
/// per-packet "stop" calls cost a read when it is not.
/// </summary>
internal sealed class PeerTimer : IDisposable
{
    private readonly ITimer _timer;
    private readonly Action<Peer> _expired;
    private readonly Peer _peer;
    private int _pending;
    private volatile bool _disposed;

    public PeerTimer(TimeProvider time, Peer peer, Action<Peer> expired)
    {
        _peer = peer;
        _expired = expired;
        _timer = time.CreateTimer(static state => ((PeerTimer)state!).Fire(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    public bool IsPending => Volatile.Read(ref _pending) != 0;

    /// <summary>(Re)starts the timer to fire once after <paramref name="due"/>.</summary>
    public void Arm(TimeSpan due)
    {
        if (_disposed)
            return;
        Volatile.Write(ref _pending, 1);
        _timer.Change(due, Timeout.InfiniteTimeSpan);
    }

    public void Stop()
    {
        if (Interlocked.Exchange(ref _pending, 0) != 0)
            _timer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    public void Dispose()
    {
        _disposed = true;
        Volatile.Write(ref _pending, 0);
        _timer.Dispose();
    }

    private void Fire()
    {
        if (Interlocked.Exchange(ref _pending, 0) == 0 || _disposed)
            return;
        _expired(_peer);
    }
}
