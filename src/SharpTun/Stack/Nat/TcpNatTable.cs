using System.Collections.Concurrent;

namespace SharpTun.Stack.Nat;

/// <summary>
/// The sessions of the system-stack TCP NAT, found by the app's flow (S:sp, D:dp) on the way in
/// and by the virtual endpoint V:vp on the way back and at accept(). Lookups are lock-free and
/// allocate nothing; creating and removing a session (once per flow) take one lock so the two maps
/// and the pool stay consistent.
/// </summary>
/// <remarks>
/// Time comes from the injected <see cref="TimeProvider"/>; nothing runs by itself: call
/// <see cref="Expire"/> about once a second (from a timer or the reader loop) to end closed and
/// idle sessions and release their virtual endpoints. The per-packet path does not read the clock
/// (a monotonic clock read costs about 26 ns here, a third of the whole rewrite): it stamps
/// activity and FIN/RST with a coarse time that <see cref="Expire"/> and session creation advance,
/// much as conntrack uses jiffies. Timeouts are therefore accurate to the interval between
/// <see cref="Expire"/> calls.
/// </remarks>
public sealed class TcpNatTable
{
    private readonly Lock _lock = new();
    private readonly ConcurrentDictionary<TcpFlowKey, TcpNatSession> _byFlow = new();
    private readonly ConcurrentDictionary<NatEndpoint, TcpNatSession> _byVirtual = new();
    private readonly NatPool? _ipv4Pool;
    private readonly NatPool? _ipv6Pool;
    private readonly TimeProvider _time;
    private long _created;
    private long _refusedPoolExhausted;
    private long _refusedByCaller;
    private long _expired;
    private long _coarseNow;

    /// <summary>Creates a table drawing virtual endpoints from one pool per address family.</summary>
    /// <param name="options">Listener port and timeouts.</param>
    /// <param name="ipv4Pool">The pool over the TUN's IPv4 subnet, or null when IPv4 is not proxied.</param>
    /// <param name="ipv6Pool">The pool over the TUN's IPv6 subnet, or null when IPv6 is not proxied.</param>
    /// <param name="timeProvider">The clock; <see cref="TimeProvider.System"/> when null.</param>
    /// <exception cref="ArgumentException">Both pools are null or a pool has the wrong family.</exception>
    public TcpNatTable(TcpNatOptions options, NatPool? ipv4Pool, NatPool? ipv6Pool, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (ipv4Pool is null && ipv6Pool is null)
            throw new ArgumentException("the TCP NAT needs an IPv4 or an IPv6 pool (or both)", nameof(ipv4Pool));
        if (ipv4Pool is { IsIPv6: true })
            throw new ArgumentException("the IPv4 pool is over an IPv6 subnet", nameof(ipv4Pool));
        if (ipv6Pool is { IsIPv6: false })
            throw new ArgumentException("the IPv6 pool is over an IPv4 subnet", nameof(ipv6Pool));
        Options = options;
        _ipv4Pool = ipv4Pool;
        _ipv6Pool = ipv6Pool;
        _time = timeProvider ?? TimeProvider.System;
        _coarseNow = _time.GetTimestamp();
    }

    /// <summary>The listener port and timeouts.</summary>
    public TcpNatOptions Options { get; }

    /// <summary>The sessions in the table, in every state.</summary>
    public int Count => _byVirtual.Count;

    /// <summary>Sessions created by a SYN since the table was made.</summary>
    public long Created => Interlocked.Read(ref _created);

    /// <summary>SYNs refused because every virtual endpoint was in use.</summary>
    public long RefusedPoolExhausted => Interlocked.Read(ref _refusedPoolExhausted);

    /// <summary>Sessions the caller refused with <see cref="Refuse"/>.</summary>
    public long RefusedByCaller => Interlocked.Read(ref _refusedByCaller);

    /// <summary>
    /// Sessions removed by <see cref="Expire"/> (grace period over, idle, or no decision in time) or
    /// cut short because the app reopened the same flow with a new SYN while it was closing.
    /// </summary>
    public long Expired => Interlocked.Read(ref _expired);

    /// <summary>
    /// The session whose virtual endpoint is <paramref name="virtualEndpoint"/>: what the accept loop
    /// calls with the accepted connection's peer (<see cref="NatEndpoint.FromIPEndPoint"/>) to learn the
    /// original source and destination.
    /// </summary>
    public bool TryGetByVirtualEndpoint(NatEndpoint virtualEndpoint, out TcpNatSession session) =>
        _byVirtual.TryGetValue(virtualEndpoint, out session!);

    /// <summary>
    /// Admits a session that awaits a decision: its SYN (and every later segment) is then forwarded.
    /// False when the session is no longer awaiting one (admitted already, refused, or expired).
    /// </summary>
    public bool Admit(TcpNatSession session)
    {
        ArgumentNullException.ThrowIfNull(session);
        return session.TryAdmit();
    }

    /// <summary>
    /// Refuses a session that awaits a decision: it is removed and its virtual endpoint released at
    /// once (nothing reached the kernel, so no late segment can need it). The caller answers the SYN
    /// with <see cref="TcpResetBuilder.TryBuild"/> or an ICMP unreachable. False when the session is
    /// not awaiting a decision.
    /// </summary>
    public bool Refuse(TcpNatSession session)
    {
        ArgumentNullException.ThrowIfNull(session);
        // The state changes first, so an Admit racing with this call cannot win after it.
        if (!session.TryRefuse() || !Remove(session))
            return false;
        Interlocked.Increment(ref _refusedByCaller);
        return true;
    }

    /// <summary>
    /// Removes sessions whose grace period after FIN/RST is over, open sessions idle for
    /// <see cref="TcpNatOptions.IdleTimeout"/>, and sessions left awaiting a decision for
    /// <see cref="TcpNatOptions.DecisionTimeout"/>; releases their virtual endpoints and returns how
    /// many were removed.
    /// </summary>
    public int Expire()
    {
        long now = ReadClock();
        int removed = 0;
        foreach (var pair in _byVirtual)
        {
            var session = pair.Value;
            bool expired = session.State switch
            {
                TcpNatSessionState.Closing => _time.GetElapsedTime(session.ClosingSince, now) >= Options.ClosingGracePeriod,
                TcpNatSessionState.Open => _time.GetElapsedTime(session.LastActivity, now) >= Options.IdleTimeout,
                TcpNatSessionState.AwaitingDecision => _time.GetElapsedTime(session.LastActivity, now) >= Options.DecisionTimeout,
                _ => false,
            };
            if (expired && Remove(session))
                removed++;
        }
        Interlocked.Add(ref _expired, removed);
        return removed;
    }

    internal NatPool? PoolFor(bool isIPv6) => isIPv6 ? _ipv6Pool : _ipv4Pool;

    /// <summary>The coarse time for the per-packet path: the latest clock reading of <see cref="Expire"/> or session creation.</summary>
    internal long CoarseNow => Volatile.Read(ref _coarseNow);

    internal bool TryGetByFlow(in TcpFlowKey key, out TcpNatSession session) => _byFlow.TryGetValue(key, out session!);

    /// <summary>
    /// Finds or creates the session of a SYN for <paramref name="key"/>. A session that is closing is
    /// replaced (the app reuses its port for a new connection). Returns false only when the pool is
    /// exhausted, which is counted.
    /// </summary>
    internal bool TryCreate(in TcpFlowKey key, NatPool pool, out TcpNatSession session, out bool created)
    {
        lock (_lock)
        {
            created = false;
            if (_byFlow.TryGetValue(key, out session!))
            {
                if (session.State != TcpNatSessionState.Closing)
                    return true;
                RemoveLocked(session);
                Interlocked.Increment(ref _expired);
            }
            if (!pool.TryAllocate(out var virtualEndpoint))
            {
                Interlocked.Increment(ref _refusedPoolExhausted);
                session = null!;
                return false;
            }
            session = new TcpNatSession(key.Source, key.Destination, virtualEndpoint, ReadClock());
            _byFlow[key] = session;
            _byVirtual[virtualEndpoint] = session;
            Interlocked.Increment(ref _created);
            created = true;
            return true;
        }
    }

    /// <summary>Reads the clock and advances the coarse time to it (never backwards when threads race).</summary>
    private long ReadClock()
    {
        long now = _time.GetTimestamp();
        long seen = Volatile.Read(ref _coarseNow);
        while (now > seen)
        {
            long prior = Interlocked.CompareExchange(ref _coarseNow, now, seen);
            if (prior == seen)
                break;
            seen = prior;
        }
        return now;
    }

    private bool Remove(TcpNatSession session)
    {
        lock (_lock)
            return RemoveLocked(session);
    }

    private bool RemoveLocked(TcpNatSession session)
    {
        if (!_byVirtual.TryRemove(new KeyValuePair<NatEndpoint, TcpNatSession>(session.VirtualEndpoint, session)))
            return false;
        _byFlow.TryRemove(new KeyValuePair<TcpFlowKey, TcpNatSession>(new TcpFlowKey(session.Source, session.Destination), session));
        PoolFor(session.VirtualEndpoint.IsIPv6)!.Release(session.VirtualEndpoint);
        session.MarkClosed();
        return true;
    }
}
