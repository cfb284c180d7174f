using System.Net;
using System.Net.Sockets;
using SharpTun.Stack.Nat;

namespace SharpTun.Dns;

/// <summary>
/// The fake addresses of one family: each domain gets an address of the range, the same one for as
/// long as it is in use, and a domain is found again from its address (reverse lookup, for rules
/// and for outbounds that send the name). Addresses are handed out fresh until the range is used
/// up, then taken back from the least recently used domain that no flow holds (<see cref="Pin"/>).
/// Not thread-safe: <see cref="FakeIpPool"/> serialises access.
/// </summary>
/// <remarks>
/// Reserved: the range's network address and, for IPv4, its broadcast address (a /31 or /32 has
/// neither, RFC 3021), and any address the caller names (the TUN's own, its DNS server's).
/// </remarks>
internal sealed class FakeIpRange
{
    private readonly Dictionary<string, Entry> _byDomain = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Entry>.AlternateLookup<ReadOnlySpan<char>> _byDomainSpan;
    private readonly Dictionary<UInt128, Entry> _byAddress = [];
    private readonly HashSet<UInt128> _reserved = [];
    private readonly UInt128 _first, _last, _network;
    private readonly int _hostBits;
    private UInt128 _cursor;
    private bool _freshLeft = true; // the cursor has not passed the last address yet
    private readonly Entry _lru = new(string.Empty, 0); // sentinel: _lru.Next is the least recently used unpinned entry

    public FakeIpRange(IPNetwork range, IEnumerable<IPAddress> reserved)
    {
        Range = range;
        IsIPv6 = range.BaseAddress.AddressFamily == AddressFamily.InterNetworkV6;
        var bits = IsIPv6 ? 128 : 32;
        var hostBits = bits - range.PrefixLength;
        var network = NatEndpoint.FromIPAddress(range.BaseAddress, 0).Address;
        _network = network;
        _hostBits = hostBits;
        var size = hostBits == 128 ? UInt128.MaxValue : (UInt128.One << hostBits) - 1; // last offset
        _first = network;
        _last = network + size;
        if (hostBits >= 2)
        {
            _first++;                // the network address
            if (!IsIPv6)
                _last--;             // the IPv4 broadcast address
        }
        foreach (var address in reserved)
        {
            var endpoint = NatEndpoint.FromIPAddress(address, 0);
            if (endpoint.IsIPv6 == IsIPv6)
                _reserved.Add(endpoint.Address);
        }
        _cursor = _first;
        _lru.Next = _lru.Previous = _lru;
        _byDomainSpan = _byDomain.GetAlternateLookup<ReadOnlySpan<char>>();
        var usable = _last - _first + 1;
        Capacity = usable > (UInt128)long.MaxValue ? long.MaxValue : (long)usable - _reserved.Count(a => a >= _first && a <= _last);
        if (Capacity <= 0)
            throw new ArgumentException($"the fake-IP range {range} has no usable address", nameof(range));
    }

    public IPNetwork Range { get; }

    /// <summary>Whether <paramref name="address"/> (of this range's family) lies in the range; allocates nothing.</summary>
    public bool Contains(UInt128 address)
        => _hostBits >= 128 || (address >> _hostBits) == (_network >> _hostBits);

    public bool IsIPv6 { get; }

    /// <summary>How many domains can hold an address at once.</summary>
    public long Capacity { get; }

    public int Count => _byDomain.Count;

    /// <summary>How many times a domain was given an address (new, recycled or restored): unchanged means nothing new to save.</summary>
    public long Additions { get; private set; }

    /// <summary>
    /// The address of <paramref name="domain"/> (a lowercase name without the trailing dot), handing
    /// out one when it has none. False when every address is held by a pinned domain. Looking up a
    /// domain that has an address allocates nothing.
    /// </summary>
    public bool TryGetOrAllocate(ReadOnlySpan<char> domain, out UInt128 address)
    {
        if (_byDomainSpan.TryGetValue(domain, out var entry))
        {
            Touch(entry);
            address = entry.Address;
            return true;
        }
        if (!TryTakeAddress(out address))
            return false;
        Add(new string(domain), address);
        return true;
    }

    /// <summary>The domain that holds <paramref name="address"/>, if any.</summary>
    public bool TryGetDomain(UInt128 address, out string domain)
    {
        if (_byAddress.TryGetValue(address, out var entry))
        {
            domain = entry.Domain;
            return true;
        }
        domain = string.Empty;
        return false;
    }

    /// <summary>A flow to <paramref name="address"/> started: its domain keeps the address until every pin is gone. False when no domain holds it.</summary>
    public bool Pin(UInt128 address)
    {
        if (!_byAddress.TryGetValue(address, out var entry))
            return false;
        if (entry.Pins++ == 0)
            Unlink(entry);
        return true;
    }

    /// <summary>A flow to <paramref name="address"/> ended.</summary>
    public void Unpin(UInt128 address)
    {
        if (_byAddress.TryGetValue(address, out var entry) && entry.Pins > 0 && --entry.Pins == 0)
            LinkAsMostRecent(entry);
    }

    /// <summary>Puts back a mapping read from a file; false when the address is outside the range, reserved, or either side is taken.</summary>
    public bool Restore(string domain, UInt128 address)
    {
        if (address < _first || address > _last || _reserved.Contains(address)
            || _byAddress.ContainsKey(address) || _byDomain.ContainsKey(domain))
            return false;
        Add(domain, address);
        return true;
    }

    /// <summary>The mappings from least to most recently used (pinned ones last), as a file keeps them.</summary>
    public IEnumerable<(string Domain, UInt128 Address)> Mappings()
    {
        for (var entry = _lru.Next!; entry != _lru; entry = entry.Next!)
            yield return (entry.Domain, entry.Address);
        foreach (var entry in _byDomain.Values)
            if (entry.Pins > 0)
                yield return (entry.Domain, entry.Address);
    }

    /// <summary>A fresh address while the cursor has not gone round, else the least recently used unpinned domain's.</summary>
    private bool TryTakeAddress(out UInt128 address)
    {
        while (_freshLeft)
        {
            address = _cursor;
            if (_cursor == _last)
                _freshLeft = false;
            else
                _cursor++;
            if (!_reserved.Contains(address) && !_byAddress.ContainsKey(address))
                return true;
        }
        var oldest = _lru.Next!;
        if (oldest == _lru)
        {
            address = default;
            return false;
        }
        Unlink(oldest);
        _byDomain.Remove(oldest.Domain);
        _byAddress.Remove(oldest.Address);
        address = oldest.Address;
        return true;
    }

    private void Add(string domain, UInt128 address)
    {
        var entry = new Entry(domain, address);
        _byDomain.Add(domain, entry);
        _byAddress.Add(address, entry);
        LinkAsMostRecent(entry);
        Additions++;
    }

    private void Touch(Entry entry)
    {
        if (entry.Pins > 0)
            return;
        Unlink(entry);
        LinkAsMostRecent(entry);
    }

    private void LinkAsMostRecent(Entry entry)
    {
        entry.Previous = _lru.Previous;
        entry.Next = _lru;
        _lru.Previous!.Next = entry;
        _lru.Previous = entry;
    }

    private static void Unlink(Entry entry)
    {
        entry.Previous!.Next = entry.Next;
        entry.Next!.Previous = entry.Previous;
        entry.Next = entry.Previous = null;
    }

    /// <summary>One domain's address; linked into the recency list while no flow pins it.</summary>
    private sealed class Entry(string domain, UInt128 address)
    {
        public string Domain { get; } = domain;

        public UInt128 Address { get; } = address;

        public int Pins;

        public Entry? Previous, Next;
    }
}
