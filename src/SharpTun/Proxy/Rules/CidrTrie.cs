using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace SharpTun.Proxy.Rules;

/// <summary>
/// IP-CIDR style prefixes of both families: one <see cref="BinaryPrefixTrie"/> for IPv4 and one for
/// IPv6. An IPv4-mapped IPv6 address (::ffff:a.b.c.d) is looked up as the IPv4 address, the way a
/// dual-stack socket reports an IPv4 peer.
/// </summary>
internal sealed class CidrTrie
{
    private readonly BinaryPrefixTrie _ipv4 = new(32);
    private readonly BinaryPrefixTrie _ipv6 = new(128);
    private int _lowestIndex = int.MaxValue;

    /// <summary>The lowest rule index in the trie, <see cref="int.MaxValue"/> when empty.</summary>
    public int LowestIndex => _lowestIndex;

    /// <summary>Nodes in both tries, for memory estimates.</summary>
    public int NodeCount => _ipv4.NodeCount + _ipv6.NodeCount;

    /// <summary>Adds a prefix (host bits already cleared) for rule <paramref name="ruleIndex"/>.</summary>
    public void Add(IPNetwork prefix, int ruleIndex)
    {
        _lowestIndex = Math.Min(_lowestIndex, ruleIndex);
        // A prefix keeps its own family: ::ffff:0:0/96 is an IPv6 prefix and, as mapped addresses
        // are looked up as IPv4, matches nothing.
        var isIpv4 = GetBits(prefix.BaseAddress, mapIpv4: false, out var bits);
        (isIpv4 ? _ipv4 : _ipv6).Add(bits, prefix.PrefixLength, ruleIndex);
    }

    /// <summary>The lowest index below <paramref name="best"/> of a prefix containing <paramref name="address"/>, else <paramref name="best"/>.</summary>
    public int Lookup(IPAddress address, int best)
    {
        if (_lowestIndex >= best)
            return best;
        var isIpv4 = GetBits(address, mapIpv4: true, out var bits);
        return (isIpv4 ? _ipv4 : _ipv6).Lookup(bits, best);
    }

    /// <summary>Shrinks both tries once all prefixes are added.</summary>
    public void TrimExcess()
    {
        _ipv4.TrimExcess();
        _ipv6.TrimExcess();
    }

    /// <summary>
    /// The address left-aligned in 128 bits; true when it is an IPv4 address, or with
    /// <paramref name="mapIpv4"/> an IPv4-mapped IPv6 address.
    /// </summary>
    private static bool GetBits(IPAddress address, bool mapIpv4, out UInt128 bits)
    {
        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteBytes(bytes, out var written);
        if (address.AddressFamily == AddressFamily.InterNetwork || (mapIpv4 && address.IsIPv4MappedToIPv6))
        {
            bits = (UInt128)BinaryPrimitives.ReadUInt32BigEndian(bytes[(written - 4)..]) << 96;
            return true;
        }
        bits = BinaryPrimitives.ReadUInt128BigEndian(bytes);
        return false;
    }
}
