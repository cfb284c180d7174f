namespace SharpTun.Proxy.Rules;

/// <summary>
/// Prefixes of one address family in a binary trie held in flat arrays, one bit per level. Each
/// node keeps the lowest rule index of the prefixes that end there and the lowest index in its whole
/// subtree, so a lookup stops as soon as nothing below can beat the best index found so far. The
/// cost of a lookup is bounded by the address length (32 or 128 steps), whatever the rule count.
/// </summary>
internal sealed class BinaryPrefixTrie
{
    private const int Root = 0;

    private readonly int _addressBits;

    // Node n's children are _children[2n] (bit 0) and _children[2n + 1] (bit 1); 0 means none,
    // which is unambiguous because the root is nobody's child.
    private int[] _children = new int[2 * 16];
    private int[] _here = new int[16];
    private int[] _subtreeLowest = new int[16];
    private int _count = 1;

    /// <summary>Creates an empty trie for addresses of <paramref name="addressBits"/> bits (32 or 128).</summary>
    public BinaryPrefixTrie(int addressBits)
    {
        _addressBits = addressBits;
        _here[Root] = int.MaxValue;
        _subtreeLowest[Root] = int.MaxValue;
    }

    /// <summary>Nodes in the trie, for memory estimates.</summary>
    public int NodeCount => _count;

    /// <summary>Adds the prefix of <paramref name="length"/> bits of <paramref name="bits"/> (left-aligned in 128 bits).</summary>
    public void Add(UInt128 bits, int length, int ruleIndex)
    {
        var node = Root;
        _subtreeLowest[node] = Math.Min(_subtreeLowest[node], ruleIndex);
        for (var depth = 0; depth < length; depth++)
        {
            var slot = 2 * node + (int)(bits >> 127);
            bits <<= 1;
            if (_children[slot] == 0)
            {
                // Not in one statement: NewNode may replace _children, and an assignment would
                // write to the array it read before the call.
                var child = NewNode();
                _children[slot] = child;
            }
            node = _children[slot];
            _subtreeLowest[node] = Math.Min(_subtreeLowest[node], ruleIndex);
        }
        _here[node] = Math.Min(_here[node], ruleIndex);
    }

    /// <summary>
    /// The lowest index below <paramref name="best"/> of a prefix containing <paramref name="address"/>
    /// (left-aligned in 128 bits), else <paramref name="best"/>.
    /// </summary>
    public int Lookup(UInt128 address, int best)
    {
        var children = _children;
        var here = _here;
        var subtreeLowest = _subtreeLowest;
        var node = Root;
        for (var depth = 0; subtreeLowest[node] < best; depth++)
        {
            best = Math.Min(best, here[node]);
            if (depth == _addressBits)
                break;
            node = children[2 * node + (int)(address >> 127)];
            if (node == Root)
                break;
            address <<= 1;
        }
        return best;
    }

    /// <summary>Shrinks the arrays to the nodes in use once all prefixes are added.</summary>
    public void TrimExcess()
    {
        Array.Resize(ref _children, 2 * _count);
        Array.Resize(ref _here, _count);
        Array.Resize(ref _subtreeLowest, _count);
    }

    private int NewNode()
    {
        if (_count == _here.Length)
        {
            Array.Resize(ref _children, 4 * _count);
            Array.Resize(ref _here, 2 * _count);
            Array.Resize(ref _subtreeLowest, 2 * _count);
        }
        _here[_count] = int.MaxValue;
        _subtreeLowest[_count] = int.MaxValue;
        return _count++;
    }
}
