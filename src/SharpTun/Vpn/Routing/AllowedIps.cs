using System.Net;
using System.Net.Sockets;

namespace SharpTun.Vpn.Routing;

/// <summary>
/// Cryptokey routing (paper §2): a longest-prefix-match binary trie per address family mapping
/// prefixes to peers. Outgoing packets pick their peer by destination; an incoming packet's source
/// must map to the peer it came from. A prefix belongs to one peer at a time: inserting it again
/// moves it. Lookups take no lock and allocate nothing; changes are serialised and publish each
/// new node fully built, so a concurrent lookup sees the trie before or after a change.
/// </summary>
public sealed class AllowedIps<T> where T : class
{
    private sealed class Node
    {
        public Node? Zero;
        public Node? One;
        public T? Value;
    }

    private readonly Lock _lock = new();
    private readonly Node _v4 = new();
    private readonly Node _v6 = new();

    /// <summary>Maps <paramref name="network"/> to <paramref name="value"/>, replacing its previous owner.</summary>
    public void Insert(IPNetwork network, T value)
    {
        Span<byte> address = stackalloc byte[16];
        var length = Bytes(network.BaseAddress, address);
        lock (_lock)
        {
            var node = Root(length);
            for (var bit = 0; bit < network.PrefixLength; bit++)
            {
                ref var child = ref BitAt(address, bit) ? ref node.One : ref node.Zero;
                if (child is null)
                    Volatile.Write(ref child, new Node());
                node = child!;
            }
            Volatile.Write(ref node.Value, value);
        }
    }

    /// <summary>Removes every prefix that maps to <paramref name="value"/>.</summary>
    public void RemoveAll(T value)
    {
        lock (_lock)
        {
            Prune(_v4, value);
            Prune(_v6, value);
        }
    }

    /// <summary>The prefixes that map to <paramref name="value"/>, IPv4 first.</summary>
    public List<IPNetwork> PrefixesOf(T value)
    {
        var result = new List<IPNetwork>();
        lock (_lock)
        {
            Collect(_v4, value, new byte[4], 0, result);
            Collect(_v6, value, new byte[16], 0, result);
        }
        return result;
    }

    /// <summary>The value of the longest prefix containing <paramref name="address"/> (4 or 16 bytes), or null.</summary>
    public T? Lookup(ReadOnlySpan<byte> address)
    {
        var node = address.Length == 4 ? _v4 : address.Length == 16 ? _v6 : null;
        T? best = null;
        var bits = address.Length * 8;
        for (var bit = 0; node is not null; bit++)
        {
            var value = Volatile.Read(ref node.Value);
            if (value is not null)
                best = value;
            if (bit == bits)
                break;
            node = BitAt(address, bit) ? Volatile.Read(ref node.One) : Volatile.Read(ref node.Zero);
        }
        return best;
    }

    /// <summary>Lookup of an <see cref="IPAddress"/>; IPv4-mapped IPv6 addresses are looked up as IPv4.</summary>
    public T? Lookup(IPAddress address)
    {
        Span<byte> bytes = stackalloc byte[16];
        var length = Bytes(address, bytes);
        return Lookup(bytes[..length]);
    }

    private Node Root(int addressLength) => addressLength == 4 ? _v4 : _v6;

    private static int Bytes(IPAddress address, Span<byte> destination)
    {
        if (address.IsIPv4MappedToIPv6)
            address = address.MapToIPv4();
        if (!address.TryWriteBytes(destination, out var written))
            throw new ArgumentException($"cannot read address {address}");
        return address.AddressFamily == AddressFamily.InterNetwork ? 4 : written;
    }

    private static bool BitAt(ReadOnlySpan<byte> address, int bit) => (address[bit >> 3] & (0x80 >> (bit & 7))) != 0;

    /// <summary>Clears <paramref name="value"/> below <paramref name="node"/>; true when the node is left empty and can be unlinked.</summary>
    private static bool Prune(Node node, T value)
    {
        if (ReferenceEquals(node.Value, value))
            Volatile.Write(ref node.Value, null);
        if (node.Zero is not null && Prune(node.Zero, value))
            Volatile.Write(ref node.Zero, null);
        if (node.One is not null && Prune(node.One, value))
            Volatile.Write(ref node.One, null);
        return node.Value is null && node.Zero is null && node.One is null;
    }

    private static void Collect(Node node, T value, byte[] address, int depth, List<IPNetwork> result)
    {
        if (ReferenceEquals(node.Value, value))
            result.Add(new IPNetwork(new IPAddress(address), depth));
        if (node.Zero is not null)
            Collect(node.Zero, value, address, depth + 1, result);
        if (node.One is not null)
        {
            address[depth >> 3] |= (byte)(0x80 >> (depth & 7));
            Collect(node.One, value, address, depth + 1, result);
            address[depth >> 3] &= (byte)~(0x80 >> (depth & 7));
        }
    }
}
