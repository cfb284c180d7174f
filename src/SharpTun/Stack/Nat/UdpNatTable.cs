namespace SharpTun.Stack.Nat;

/// <summary>
/// The UDP NAT: one outbound association (a marked UDP socket, a SOCKS5 UDP ASSOCIATE) per source
/// endpoint S:sp of the app, whatever the destination. This is endpoint-independent mapping and
/// filtering (RFC 4787 §4.1 and §5, "full cone"): any remote may answer through the association,
/// as STUN (RFC 8489) and games expect. Keying by the full 4-tuple instead would be symmetric NAT.
/// </summary>
/// <remarks>
/// Bounded: adding an entry to a full table evicts the least recently used one, counted in
/// <see cref="Evicted"/>. Evicted, expired and removed associations are ended (disposed, or handed to
/// the caller's end callback with the <see cref="UdpMappingEnd"/> reason), outside the lock.
/// Time comes from the injected <see cref="TimeProvider"/>; call <see cref="ExpireIdle"/>
/// periodically. One lock guards a dictionary and an intrusive LRU list; a lookup of an existing
/// entry allocates nothing.
/// </remarks>
/// <typeparam name="TAssociation">The caller's outbound association.</typeparam>
public sealed class UdpNatTable<TAssociation> : IDisposable where TAssociation : class, IDisposable
{
    private readonly Lock _lock = new();
    private readonly Dictionary<NatEndpoint, Entry> _entries = [];
    private readonly Func<NatEndpoint, TAssociation> _factory;
    private readonly Action<TAssociation, UdpMappingEnd>? _end;
    private readonly TimeProvider _time;
    private Entry? _mostRecent;
    private Entry? _leastRecent;
    private long _created;
    private long _evicted;
    private long _expired;

    /// <summary>Creates an empty table.</summary>
    /// <param name="factory">Makes the association of a new source endpoint; called outside the lock.</param>
    /// <param name="options">Size bound and idle timeout; defaults when null.</param>
    /// <param name="timeProvider">The clock; <see cref="TimeProvider.System"/> when null.</param>
    /// <param name="end">
    /// Ends an association that leaves the table, told why; it must dispose the association. When
    /// null the table disposes it. An association made by a <see cref="GetOrAdd"/> that lost a race
    /// for its source endpoint was never mapped: it is only disposed.
    /// </param>
    public UdpNatTable(Func<NatEndpoint, TAssociation> factory, UdpNatOptions? options = null, TimeProvider? timeProvider = null,
        Action<TAssociation, UdpMappingEnd>? end = null)
    {
        ArgumentNullException.ThrowIfNull(factory);
        Options = options ?? new UdpNatOptions();
        ArgumentOutOfRangeException.ThrowIfLessThan(Options.MaximumEntries, 1, nameof(options));
        _factory = factory;
        _time = timeProvider ?? TimeProvider.System;
        _end = end;
    }

    /// <summary>Size bound and idle timeout.</summary>
    public UdpNatOptions Options { get; }

    /// <summary>Mappings in the table.</summary>
    public int Count
    {
        get
        {
            lock (_lock)
                return _entries.Count;
        }
    }

    /// <summary>Associations created since the table was made.</summary>
    public long Created => Interlocked.Read(ref _created);

    /// <summary>Mappings evicted because the table was full.</summary>
    public long Evicted => Interlocked.Read(ref _evicted);

    /// <summary>Mappings removed by <see cref="ExpireIdle"/>.</summary>
    public long Expired => Interlocked.Read(ref _expired);

    /// <summary>
    /// The association of <paramref name="source"/>, created with the factory when there is none;
    /// marks the mapping used now. Call it for every datagram from the app.
    /// </summary>
    public TAssociation GetOrAdd(NatEndpoint source) => GetOrAdd(source, _factory);

    /// <summary>As <see cref="GetOrAdd(NatEndpoint)"/>, making a new association with <paramref name="factory"/> instead of the table's.</summary>
    public TAssociation GetOrAdd(NatEndpoint source, Func<NatEndpoint, TAssociation> factory)
    {
        if (TryGet(source, out var existing))
            return existing;
        var association = factory(source);
        Entry? evicted = null;
        lock (_lock)
        {
            if (_entries.TryGetValue(source, out var raced))
            {
                Touch(raced);
                existing = raced.Association;
            }
            else
            {
                if (_entries.Count >= Options.MaximumEntries)
                {
                    evicted = _leastRecent!;
                    RemoveLocked(evicted);
                }
                var entry = new Entry(source, association, _time.GetTimestamp());
                _entries.Add(source, entry);
                LinkFirst(entry);
            }
        }
        if (existing is not null)
        {
            association.Dispose(); // another thread created the mapping first
            return existing;
        }
        Interlocked.Increment(ref _created);
        if (evicted is not null)
        {
            Interlocked.Increment(ref _evicted);
            End(evicted.Association, UdpMappingEnd.Evicted);
        }
        return association;
    }

    /// <summary>The association of <paramref name="source"/> if there is one; marks it used now.</summary>
    public bool TryGet(NatEndpoint source, out TAssociation association)
    {
        lock (_lock)
        {
            if (_entries.TryGetValue(source, out var entry))
            {
                Touch(entry);
                association = entry.Association;
                return true;
            }
        }
        association = null!;
        return false;
    }

    /// <summary>
    /// Marks the mapping of <paramref name="source"/> used now without a datagram from the app: call
    /// it when a reply arrives on the association, so traffic either way keeps the mapping
    /// (RFC 4787 REQ-6 allows inbound refresh). False when there is no mapping.
    /// </summary>
    public bool Refresh(NatEndpoint source) => TryGet(source, out _);

    /// <summary>Removes and ends the mapping of <paramref name="source"/>; false when there is none.</summary>
    public bool Remove(NatEndpoint source)
    {
        Entry? entry;
        lock (_lock)
        {
            if (!_entries.TryGetValue(source, out entry))
                return false;
            RemoveLocked(entry);
        }
        End(entry.Association, UdpMappingEnd.Removed);
        return true;
    }

    /// <summary>Removes and ends the mappings idle for <see cref="UdpNatOptions.IdleTimeout"/>; returns how many.</summary>
    public int ExpireIdle()
    {
        long now = _time.GetTimestamp();
        List<Entry>? expired = null;
        lock (_lock)
        {
            // The list is in order of use, so the idle ones are all at the tail.
            while (_leastRecent is { } oldest && _time.GetElapsedTime(oldest.LastUsed, now) >= Options.IdleTimeout)
            {
                RemoveLocked(oldest);
                (expired ??= []).Add(oldest);
            }
        }
        if (expired is null)
            return 0;
        Interlocked.Add(ref _expired, expired.Count);
        foreach (var entry in expired)
            End(entry.Association, UdpMappingEnd.IdleTimeout);
        return expired.Count;
    }

    /// <summary>Removes and ends every mapping (<see cref="UdpMappingEnd.Shutdown"/>), e.g. when the proxy stops; the table stays usable.</summary>
    public void Dispose()
    {
        Entry? oldest;
        lock (_lock)
        {
            oldest = _leastRecent;
            _entries.Clear();
            _mostRecent = null;
            _leastRecent = null;
        }
        while (oldest is not null)
        {
            var newer = oldest.Newer;
            End(oldest.Association, UdpMappingEnd.Shutdown);
            oldest = newer;
        }
    }

    private void End(TAssociation association, UdpMappingEnd reason)
    {
        if (_end is null)
            association.Dispose();
        else
            _end(association, reason);
    }

    private void Touch(Entry entry)
    {
        entry.LastUsed = _time.GetTimestamp();
        if (entry == _mostRecent)
            return;
        Unlink(entry);
        LinkFirst(entry);
    }

    private void RemoveLocked(Entry entry)
    {
        _entries.Remove(entry.Source);
        Unlink(entry);
    }

    private void LinkFirst(Entry entry)
    {
        entry.Newer = null;
        entry.Older = _mostRecent;
        if (_mostRecent is not null)
            _mostRecent.Newer = entry;
        _mostRecent = entry;
        _leastRecent ??= entry;
    }

    private void Unlink(Entry entry)
    {
        if (entry.Newer is not null)
            entry.Newer.Older = entry.Older;
        else
            _mostRecent = entry.Older;
        if (entry.Older is not null)
            entry.Older.Newer = entry.Newer;
        else
            _leastRecent = entry.Newer;
        entry.Newer = null;
        entry.Older = null;
    }

    private sealed class Entry(NatEndpoint source, TAssociation association, long lastUsed)
    {
        public NatEndpoint Source { get; } = source;

        public TAssociation Association { get; } = association;

        public long LastUsed { get; set; } = lastUsed;

        public Entry? Newer { get; set; }

        public Entry? Older { get; set; }
    }
}
