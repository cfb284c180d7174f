using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Numerics;

namespace SharpTun.Stack.Nat;

/// <summary>
/// Hands out virtual endpoints V:vp for new TCP flows: every usable address of the TUN subnet times
/// every port of a range, so capacity is (addresses - reserved) x ports rather than one address's
/// ports. A virtual endpoint still in use is never handed out again; when all are in use
/// <see cref="TryAllocate"/> returns false instead of overwriting one.
/// </summary>
/// <remarks>
/// <para>
/// Reserved: the network address and the last (broadcast) address of the subnet, and the
/// listener's own address. On an IPv4 /31 (RFC 3021 §2.1) or an IPv6 /127 (RFC 6164 §5) there is no
/// network or broadcast address, so only the listener's is reserved. Virtual addresses lie inside
/// the TUN's on-link subnet so that the kernel routes the listener's replies back into the TUN and
/// reverse-path filtering (rp_filter) accepts the rewritten packets.
/// </para>
/// <para>
/// One bit per endpoint, in one page of port bits per address, created when the address is first
/// used; a second bitmap marks full addresses. A cursor walks forward from the last allocation, so
/// allocation is amortised O(1) and a released endpoint is reused only after the cursor has gone
/// round: the kernel's side of a closed connection (TIME-WAIT, RFC 9293 §3.6.1) is then long gone.
/// One lock guards it all: an allocate-and-release pair costs about 45 ns alone and 45-100 ns with
/// both cores hammering the pool (docs/benchmarks.md), while each allocation precedes a kernel
/// handshake of tens of microseconds, so sharding would buy nothing measurable.
/// </para>
/// </remarks>
public sealed class NatPool
{
    private const int BitsPerWord = 64;

    private readonly Lock _lock = new();
    private readonly UInt128 _networkAddress;
    private readonly UInt128 _firstOffset;
    private readonly UInt128 _lastOffset;
    private readonly UInt128 _listenerOffset;
    private readonly bool _listenerInRange;
    private readonly ushort _firstPort;
    private readonly int _wordsPerPage;
    private readonly ulong[]?[] _pages;
    private readonly int[] _usedPerAddress;
    private readonly ulong[] _fullAddresses;
    private int _cursorAddress;
    private int _cursorPort;
    private long _inUse;

    /// <summary>Creates a pool over <paramref name="subnet"/>, which must contain <paramref name="listenerAddress"/>.</summary>
    /// <param name="subnet">The TUN's subnet, e.g. 198.18.0.0/15 or fd00:7::/64.</param>
    /// <param name="listenerAddress">The TUN address the NAT listener is bound to; never handed out.</param>
    /// <param name="options">Port range and address cap; <see cref="NatPoolOptions"/> defaults when null.</param>
    /// <exception cref="ArgumentException">The listener is outside the subnet, the port range is empty, or no address is left.</exception>
    public NatPool(IPNetwork subnet, IPAddress listenerAddress, NatPoolOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(listenerAddress);
        options ??= new NatPoolOptions();
        if (!subnet.Contains(listenerAddress))
            throw new ArgumentException($"the listener address {listenerAddress} is not inside the NAT subnet {subnet}: give the TUN address and its subnet", nameof(listenerAddress));
        if (options.LastPort < options.FirstPort)
            throw new ArgumentException($"the NAT port range {options.FirstPort}-{options.LastPort} is empty", nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaximumAddresses, 1, nameof(options));

        IsIPv6 = subnet.BaseAddress.AddressFamily == AddressFamily.InterNetworkV6;
        int hostBits = (IsIPv6 ? 128 : 32) - subnet.PrefixLength;
        UInt128 hostMask = hostBits == 128 ? UInt128.MaxValue : (UInt128.One << hostBits) - 1;
        bool pointToPoint = hostBits <= 1;
        _networkAddress = ToNumber(subnet.BaseAddress);
        _firstOffset = pointToPoint ? UInt128.Zero : UInt128.One;
        _lastOffset = pointToPoint ? hostMask : hostMask - 1;
        _listenerOffset = ToNumber(listenerAddress) - _networkAddress;
        _listenerInRange = _listenerOffset >= _firstOffset && _listenerOffset <= _lastOffset;
        UInt128 usable = _lastOffset - _firstOffset + 1 - (_listenerInRange ? UInt128.One : UInt128.Zero);
        AddressCount = (int)UInt128.Min(usable, (UInt128)options.MaximumAddresses);
        if (AddressCount == 0)
            throw new ArgumentException($"the NAT subnet {subnet} has no address left for virtual endpoints besides the listener {listenerAddress}: use a larger subnet (e.g. a /24)", nameof(subnet));

        ListenerAddress = ToNumber(listenerAddress);
        _firstPort = options.FirstPort;
        PortCount = options.LastPort - options.FirstPort + 1;
        _wordsPerPage = (PortCount + BitsPerWord - 1) / BitsPerWord;
        _pages = new ulong[]?[AddressCount];
        _usedPerAddress = new int[AddressCount];
        _fullAddresses = new ulong[(AddressCount + BitsPerWord - 1) / BitsPerWord];
        // Addresses past the end count as full, so the search for a non-full one never lands there.
        int tail = AddressCount % BitsPerWord;
        if (tail != 0)
            _fullAddresses[^1] = ~0UL << tail;
    }

    /// <summary>True for an IPv6 pool.</summary>
    public bool IsIPv6 { get; }

    /// <summary>The listener's address as a number in network order (see <see cref="NatEndpoint"/>).</summary>
    public UInt128 ListenerAddress { get; }

    /// <summary>How many addresses of the subnet the pool hands out.</summary>
    public int AddressCount { get; }

    /// <summary>How many ports of each address the pool hands out.</summary>
    public int PortCount { get; }

    /// <summary>The number of virtual endpoints: <see cref="AddressCount"/> x <see cref="PortCount"/>.</summary>
    public long Capacity => (long)AddressCount * PortCount;

    /// <summary>How many virtual endpoints are handed out and not yet released.</summary>
    public long InUse
    {
        get
        {
            lock (_lock)
                return _inUse;
        }
    }

    /// <summary>
    /// Takes a free virtual endpoint; false when every one is in use (the caller refuses the flow,
    /// never reuses a live endpoint). Allocates only the first time an address is used.
    /// </summary>
    public bool TryAllocate(out NatEndpoint endpoint)
    {
        lock (_lock)
        {
            if (_inUse == Capacity)
            {
                endpoint = default;
                return false;
            }
            int address = _cursorAddress;
            int fromPort = _cursorPort;
            while (true)
            {
                if (_usedPerAddress[address] < PortCount)
                {
                    var page = _pages[address] ??= NewPage();
                    int port = FindClearBit(page, fromPort);
                    if (port >= 0)
                    {
                        Take(page, address, port);
                        endpoint = new NatEndpoint(AddressAt(address), (ushort)(_firstPort + port), IsIPv6);
                        return true;
                    }
                }
                address = NextAddressWithRoom(address + 1);
                fromPort = 0;
            }
        }
    }

    /// <summary>
    /// Returns <paramref name="endpoint"/> to the pool; false (and no change) when it is not one of
    /// this pool's endpoints or is not allocated, so a double release cannot free someone else's.
    /// </summary>
    public bool Release(NatEndpoint endpoint)
    {
        lock (_lock)
        {
            if (!TryLocate(endpoint, out int address, out int port))
                return false;
            var page = _pages[address];
            ulong bit = 1UL << (port % BitsPerWord);
            if (page is null || (page[port / BitsPerWord] & bit) == 0)
                return false;
            page[port / BitsPerWord] &= ~bit;
            if (_usedPerAddress[address]-- == PortCount)
                _fullAddresses[address / BitsPerWord] &= ~(1UL << (address % BitsPerWord));
            _inUse--;
            return true;
        }
    }

    /// <summary>True when <paramref name="endpoint"/> is one of this pool's endpoints and is handed out.</summary>
    public bool IsAllocated(NatEndpoint endpoint)
    {
        lock (_lock)
        {
            if (!TryLocate(endpoint, out int address, out int port))
                return false;
            var page = _pages[address];
            return page is not null && (page[port / BitsPerWord] & (1UL << (port % BitsPerWord))) != 0;
        }
    }

    /// <summary>True when <paramref name="endpoint"/> is one this pool could hand out (family, address and port in range).</summary>
    public bool Contains(NatEndpoint endpoint) => TryLocate(endpoint, out _, out _);

    /// <summary>The address number of the <paramref name="index"/>th usable address (for tests and logs).</summary>
    public UInt128 AddressAt(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, AddressCount);
        UInt128 offset = _firstOffset + (uint)index;
        if (_listenerInRange && offset >= _listenerOffset)
            offset++;
        return _networkAddress + offset;
    }

    private bool TryLocate(NatEndpoint endpoint, out int address, out int port)
    {
        address = 0;
        port = endpoint.Port - _firstPort;
        if (endpoint.IsIPv6 != IsIPv6 || port < 0 || port >= PortCount || endpoint.Address < _networkAddress)
            return false;
        UInt128 offset = endpoint.Address - _networkAddress;
        if (offset < _firstOffset || offset > _lastOffset || (_listenerInRange && offset == _listenerOffset))
            return false;
        UInt128 index = offset - _firstOffset - (_listenerInRange && offset > _listenerOffset ? UInt128.One : UInt128.Zero);
        if (index >= (uint)AddressCount)
            return false;
        address = (int)index;
        return true;
    }

    private ulong[] NewPage()
    {
        var page = new ulong[_wordsPerPage];
        // Ports past the end of the range count as taken, so the free-bit search never finds them.
        int tail = PortCount % BitsPerWord;
        if (tail != 0)
            page[^1] = ~0UL << tail;
        return page;
    }

    private void Take(ulong[] page, int address, int port)
    {
        page[port / BitsPerWord] |= 1UL << (port % BitsPerWord);
        if (++_usedPerAddress[address] == PortCount)
            _fullAddresses[address / BitsPerWord] |= 1UL << (address % BitsPerWord);
        _inUse++;
        _cursorAddress = address;
        _cursorPort = port + 1;
        if (_cursorPort == PortCount)
        {
            _cursorAddress = address + 1 == AddressCount ? 0 : address + 1;
            _cursorPort = 0;
        }
    }

    /// <summary>The first clear bit at or after <paramref name="from"/>, or -1.</summary>
    private static int FindClearBit(ulong[] page, int from)
    {
        int word = from / BitsPerWord;
        if (word >= page.Length)
            return -1;
        ulong taken = page[word] | ((1UL << (from % BitsPerWord)) - 1);
        while (true)
        {
            if (taken != ~0UL)
                return word * BitsPerWord + BitOperations.TrailingZeroCount(~taken);
            if (++word == page.Length)
                return -1;
            taken = page[word];
        }
    }

    /// <summary>The first address at or after <paramref name="from"/> (wrapping) that is not full; one exists whenever the pool is not exhausted.</summary>
    private int NextAddressWithRoom(int from)
    {
        if (from >= AddressCount)
            from = 0;
        int word = from / BitsPerWord;
        ulong full = _fullAddresses[word] | ((1UL << (from % BitsPerWord)) - 1);
        for (int scanned = 0; scanned <= _fullAddresses.Length; scanned++)
        {
            if (full != ~0UL)
                return word * BitsPerWord + BitOperations.TrailingZeroCount(~full);
            word = word + 1 == _fullAddresses.Length ? 0 : word + 1;
            full = _fullAddresses[word];
        }
        throw new InvalidOperationException("NAT pool bookkeeping is inconsistent: no address has room although the pool is not exhausted");
    }

    private static UInt128 ToNumber(IPAddress address)
    {
        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteBytes(bytes, out int written);
        return written == 4 ? BinaryPrimitives.ReadUInt32BigEndian(bytes) : BinaryPrimitives.ReadUInt128BigEndian(bytes);
    }
}
