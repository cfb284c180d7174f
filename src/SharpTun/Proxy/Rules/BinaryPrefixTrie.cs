namespace SharpTun.Proxy.Rules;

/// <summary>
/// Prefixes of one address family in a binary trie held in one flat array, one bit per level. Each
/// node keeps the lowest rule index of the prefixes that end there and the lowest index in its whole
/// subtree, so a lookup stops as soon as nothing below can beat the best index found so far. The
/// cost of a lookup is bounded by the address length (32 or 128 steps), whatever the rule count.
/// </summary>
internal sealed class BinaryPrefixTrie
{
    private const int Root = 0;

    // A node is four consecutive ints, so one cache line holds all a lookup reads of it (in three
    // separate arrays a step into a cold node costs three cache misses instead of one). The child
    // slots hold 0 for "none", which is unambiguous because the root is nobody's child.
    private const int NodeSize = 4;
    private const int ZeroChild = 0;
    private const int Here = 2;
    private const int SubtreeLowest = 3;

    private readonly int _addressBits;
    private int[] _nodes = new int[NodeSize * 16];
    private int _count;

    /// <summary>Creates an empty trie for addresses of <paramref name="addressBits"/> bits (32 or 128).</summary>
    public BinaryPrefixTrie(int addressBits)
    {
        _addressBits = addressBits;
        NewNode();
    }

    /// <summary>Nodes in the trie, for memory estimates.</summary>
    public int NodeCount => _count;

    /// <summary>Adds the prefix of <paramref name="length"/> bits of <paramref name="bits"/> (left-aligned in 128 bits).</summary>
    public void Add(UInt128 bits, int length, int ruleIndex)
    {
        var node = Root;
        Lower(node + SubtreeLowest, ruleIndex);
        for (var depth = 0; depth < length; depth++)
        {
            var slot = node + ZeroChild + (int)(bits >> 127);
            bits <<= 1;
            if (_nodes[slot] == Root)
            {
                // Not in one statement: NewNode may replace _nodes, and an assignment would write to
                // the array it read before the call.
                var child = NewNode();
                _nodes[slot] = child;
            }
            node = _nodes[slot];
            Lower(node + SubtreeLowest, ruleIndex);
        }
        Lower(node + Here, ruleIndex);
    }

    /// <summary>
    /// The lowest index below <paramref name="best"/> of a prefix containing <paramref name="address"/>
    /// (left-aligned in 128 bits), else <paramref name="best"/>.
    /// </summary>
    public int Lookup(UInt128 address, int best)
    {
        var nodes = _nodes;
        var node = Root;
        for (var depth = 0; nodes[node + SubtreeLowest] < best; depth++)
        {
            best = Math.Min(best, nodes[node + Here]);
            if (depth == _addressBits)
                break;
            node = nodes[node + ZeroChild + (int)(address >> 127)];
            if (node == Root)
                break;
            address <<= 1;
        }
        return best;
    }

    /// <summary>Shrinks the array to the nodes in use once all prefixes are added.</summary>
    public void TrimExcess() => Array.Resize(ref _nodes, NodeSize * _count);

    /// <summary>Adds a node without prefixes and returns its offset in <see cref="_nodes"/>.</summary>
    private int NewNode()
    {
        if (NodeSize * _count == _nodes.Length)
            Array.Resize(ref _nodes, 2 * _nodes.Length);
        var node = NodeSize * _count++;
        _nodes[node + Here] = int.MaxValue;
        _nodes[node + SubtreeLowest] = int.MaxValue;
        return node;
    }

    private void Lower(int field, int ruleIndex) => _nodes[field] = Math.Min(_nodes[field], ruleIndex);
}
