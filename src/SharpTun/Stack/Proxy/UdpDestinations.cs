using SharpTun.Stack.Nat;

namespace SharpTun.Stack.Proxy;

/// <summary>
/// The destinations one full-cone association sent to, for its log line: the first, and how many
/// distinct others, counted up to <see cref="Tracked"/> so that an app spraying datagrams at many
/// remotes (a scan, a DHT) cannot grow it. Noting the first destination again, the common case,
/// takes no lock and allocates nothing; another destination takes a lock and a scan of at most
/// <see cref="Tracked"/> entries, whose array is allocated once, when the second destination appears.
/// Safe for concurrent callers (the readers of a multi-queue TUN may share an association).
/// </summary>
public sealed class UdpDestinations
{
    /// <summary>Distinct destinations besides the first that are told apart; beyond them only "more" is known.</summary>
    public const int Tracked = 8;

    private readonly Lock _lock = new();
    private NatEndpoint _first;
    private bool _hasFirst; // published with Volatile.Write after _first, which never changes afterwards
    private NatEndpoint[]? _others;
    private int _otherCount;
    private bool _moreThanTracked;

    /// <summary>The first destination noted, or null before any.</summary>
    public NatEndpoint? First => Volatile.Read(ref _hasFirst) ? _first : null;

    /// <summary>Distinct destinations other than <see cref="First"/>, at most <see cref="Tracked"/>.</summary>
    public int Others
    {
        get
        {
            lock (_lock)
                return _otherCount;
        }
    }

    /// <summary>True when there were more than <see cref="Tracked"/> other destinations.</summary>
    public bool MoreThanTracked
    {
        get
        {
            lock (_lock)
                return _moreThanTracked;
        }
    }

    /// <summary>Notes a datagram to <paramref name="destination"/>.</summary>
    public void Note(in NatEndpoint destination)
    {
        if (Volatile.Read(ref _hasFirst) && destination == _first)
            return;
        lock (_lock)
        {
            if (!_hasFirst)
            {
                _first = destination;
                Volatile.Write(ref _hasFirst, true);
                return;
            }
            if (destination == _first || _moreThanTracked)
                return;
            _others ??= new NatEndpoint[Tracked];
            for (var i = 0; i < _otherCount; i++)
            {
                if (_others[i] == destination)
                    return;
            }
            if (_otherCount < Tracked)
                _others[_otherCount++] = destination;
            else
                _moreThanTracked = true;
        }
    }

    /// <summary>"10.0.0.1:53", "10.0.0.1:53 (+2 more destinations)", or "10.0.0.1:53 (+9 or more destinations)" past the cap; allocates, for the log line.</summary>
    public override string ToString()
    {
        if (First is not { } first)
            return "no destination";
        lock (_lock)
        {
            if (_moreThanTracked)
                return $"{first} (+{Tracked + 1} or more destinations)";
            if (_otherCount > 0)
                return $"{first} (+{_otherCount} more destination{(_otherCount == 1 ? "" : "s")})";
        }
        return first.ToString();
    }
}
