using SharpTun.Wire;

namespace SharpTun.Dns;

/// <summary>
/// Whole DNS answers kept for their TTL, keyed by question (name ignoring ASCII case, type, class,
/// and the DO and CD bits). A hit is a copy with the caller's ID and spelling of the name and every
/// TTL lowered by the time the answer spent here; it allocates nothing. Thread-safe.
/// </summary>
/// <remarks>
/// What is kept (RFC 2308): positive answers for their smallest TTL, at most
/// <see cref="DnsCacheOptions.MaximumTimeToLive"/>; NXDOMAIN and NODATA answers with an SOA for the
/// smaller of the SOA's TTL and MINIMUM, at most <see cref="DnsCacheOptions.MaximumNegativeTimeToLive"/>.
/// Not kept: answers with TTL 0, negative answers without an SOA (RFC 2308 §5), truncated answers,
/// and every other RCODE: SERVFAIL says something about the path now, not about the name
/// (RFC 2308 §7 allows five minutes at most; the resolver's coalescing already absorbs a burst).
/// When full, the least recently used answer makes room.
/// </remarks>
public sealed class DnsCache
{
    private readonly Lock _lock = new();
    private readonly Dictionary<byte[], int> _index;
    private readonly Dictionary<byte[], int>.AlternateLookup<ReadOnlySpan<byte>> _lookup;
    private readonly Entry[] _entries;
    private readonly TimeProvider _time;
    private readonly long _frequency;
    private readonly uint _maximumSeconds, _maximumNegativeSeconds;
    private int _head = -1, _tail = -1, _free = -1, _used;
    private long _hits, _misses;

    /// <param name="options">Capacity, TTL caps and clock; null for the defaults.</param>
    public DnsCache(DnsCacheOptions? options = null)
    {
        options ??= new DnsCacheOptions();
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Capacity, 1, nameof(options));
        _entries = new Entry[options.Capacity];
        _index = new Dictionary<byte[], int>(options.Capacity, DnsCacheKeyComparer.Instance);
        _lookup = _index.GetAlternateLookup<ReadOnlySpan<byte>>();
        _time = options.TimeProvider;
        _frequency = _time.TimestampFrequency;
        _maximumSeconds = ToSeconds(options.MaximumTimeToLive);
        _maximumNegativeSeconds = ToSeconds(options.MaximumNegativeTimeToLive);
    }

    /// <summary>Answers held, expired ones not yet dropped included.</summary>
    public int Count
    {
        get
        {
            lock (_lock)
                return _index.Count;
        }
    }

    /// <summary>Lookups that found a fresh answer.</summary>
    public long Hits => Interlocked.Read(ref _hits);

    /// <summary>Lookups that did not.</summary>
    public long Misses => Interlocked.Read(ref _misses);

    /// <summary>
    /// Writes the cached answer to <paramref name="query"/> into <paramref name="response"/>, ready to
    /// send; false when there is none, it expired, the query is malformed, or <paramref name="response"/>
    /// is too short for it. Allocates nothing.
    /// </summary>
    public bool TryGet(ReadOnlySpan<byte> query, Span<byte> response, out int length)
    {
        Span<byte> key = stackalloc byte[DnsQueryInfo.MaximumKeyLength];
        if (DnsQueryInfo.TryRead(query, key, out var info, out int keyLength) != DnsResponseCode.NoError)
        {
            length = 0;
            return false;
        }
        return TryGet(key[..keyLength], query, info, response, out length);
    }

    /// <summary>
    /// Keeps <paramref name="response"/> (copied) as the answer to <paramref name="query"/>, when the
    /// rules in the remarks allow; returns whether it was kept. The response's question must be the query's.
    /// </summary>
    public bool Store(ReadOnlySpan<byte> query, ReadOnlySpan<byte> response)
    {
        Span<byte> key = stackalloc byte[DnsQueryInfo.MaximumKeyLength];
        if (DnsQueryInfo.TryRead(query, key, out _, out int keyLength) != DnsResponseCode.NoError || !DnsMessages.AnswersQuestion(query, response))
            return false;
        var answer = DnsAnswer.TryCreate(response.ToArray());
        return answer is not null && Store(key[..keyLength], answer);
    }

    /// <summary>Drops every answer.</summary>
    public void Clear()
    {
        lock (_lock)
        {
            _index.Clear();
            Array.Clear(_entries);
            _head = _tail = _free = -1;
            _used = 0;
        }
    }

    /// <summary>The lookup for a query already read into <paramref name="key"/> and <paramref name="info"/>.</summary>
    internal bool TryGet(ReadOnlySpan<byte> key, ReadOnlySpan<byte> query, in DnsQueryInfo info, Span<byte> response, out int length)
    {
        length = 0;
        lock (_lock)
        {
            if (!_lookup.TryGetValue(key, out int index))
            {
                _misses++;
                return false;
            }
            ref var entry = ref _entries[index];
            long now = _time.GetTimestamp();
            if (now >= entry.ExpiresAt)
            {
                Remove(index);
                _misses++;
                return false;
            }
            uint elapsed = (uint)((now - entry.StoredAt) / _frequency);
            if (!entry.Answer!.TryWriteFor(query, info, elapsed, response, out length))
            {
                _misses++;
                return false;
            }
            MoveToFront(index);
            _hits++;
            return true;
        }
    }

    /// <summary>Keeps <paramref name="answer"/> under <paramref name="key"/> when the rules allow; returns whether it was kept.</summary>
    internal bool Store(ReadOnlySpan<byte> key, DnsAnswer answer)
    {
        uint seconds = CacheSeconds(answer);
        if (seconds == 0)
            return false;
        long now = _time.GetTimestamp();
        lock (_lock)
        {
            if (!_lookup.TryGetValue(key, out int index))
            {
                if (_index.Count == _entries.Length)
                    Remove(_tail);
                index = Allocate();
                _entries[index].Key = key.ToArray();
                _index.Add(_entries[index].Key!, index);
                LinkAtFront(index);
            }
            else
            {
                MoveToFront(index);
            }
            ref var entry = ref _entries[index];
            entry.Answer = answer;
            entry.StoredAt = now;
            entry.ExpiresAt = now + seconds * _frequency;
        }
        return true;
    }

    /// <summary>How long <paramref name="answer"/> may be kept, 0 for not at all.</summary>
    private uint CacheSeconds(DnsAnswer answer)
    {
        if (answer.Truncated || answer.TimeToLive == uint.MaxValue)
            return 0;
        if (answer.ResponseCode == DnsResponseCode.NoError && answer.AnswerCount > 0)
            return Math.Min(answer.TimeToLive, _maximumSeconds);
        if (answer.IsNegative && answer.HasSoa)
            return Math.Min(answer.TimeToLive, _maximumNegativeSeconds);
        return 0;
    }

    private int Allocate()
    {
        if (_free >= 0)
        {
            int index = _free;
            _free = _entries[index].Next;
            return index;
        }
        return _used++;
    }

    private void Remove(int index)
    {
        ref var entry = ref _entries[index];
        _index.Remove(entry.Key!);
        Unlink(index);
        entry = default;
        entry.Next = _free;
        _free = index;
    }

    private void MoveToFront(int index)
    {
        if (_head == index)
            return;
        Unlink(index);
        LinkAtFront(index);
    }

    private void LinkAtFront(int index)
    {
        ref var entry = ref _entries[index];
        entry.Previous = -1;
        entry.Next = _head;
        if (_head >= 0)
            _entries[_head].Previous = index;
        _head = index;
        if (_tail < 0)
            _tail = index;
    }

    private void Unlink(int index)
    {
        ref var entry = ref _entries[index];
        if (entry.Previous >= 0)
            _entries[entry.Previous].Next = entry.Next;
        else
            _head = entry.Next;
        if (entry.Next >= 0)
            _entries[entry.Next].Previous = entry.Previous;
        else
            _tail = entry.Previous;
    }

    private static uint ToSeconds(TimeSpan span) => (uint)Math.Clamp(span.TotalSeconds, 0, int.MaxValue);

    /// <summary>One answer and its place in the recency list (most recent at <see cref="_head"/>).</summary>
    private struct Entry
    {
        public byte[]? Key;
        public DnsAnswer? Answer;
        public long StoredAt;
        public long ExpiresAt;
        public int Previous;
        public int Next;
    }
}
