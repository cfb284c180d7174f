namespace SharpTun.Proxy.Rules;

/// <summary>
/// DOMAIN-KEYWORD rules as one Aho-Corasick automaton: a lookup reads each character of the domain
/// once and follows one table entry per character, however many keywords there are. Every state
/// keeps the lowest rule index of the keywords that end there, counting those reached through its
/// failure links. Matching is ASCII case-insensitive.
/// </summary>
internal sealed class KeywordMatcher
{
    private const int Root = 0;

    // Characters that occur in some keyword get a class from 1; every other character is class 0,
    // which no keyword contains, so it always leads back to the root. This keeps the transition
    // table as narrow as the keywords' alphabet instead of 65,536 columns wide.
    private readonly ushort[] _classOf;

    // One row of _rows per state, classCount ints wide; a state is named by the offset of its row.
    // Column 0 would be the class-0 transition, always the root, so it holds the state's lowest
    // rule index instead: a step then reads one row, not a row and a second array.
    private readonly int[] _rows;

    private KeywordMatcher(ushort[] classOf, int[] rows, int stateCount, int lowestIndex)
    {
        _classOf = classOf;
        _rows = rows;
        StateCount = stateCount;
        LowestIndex = lowestIndex;
    }

    /// <summary>The lowest rule index of any keyword, <see cref="int.MaxValue"/> when there are none.</summary>
    public int LowestIndex { get; }

    /// <summary>States of the automaton, for memory estimates.</summary>
    public int StateCount { get; }

    /// <summary>Builds the automaton from lower-case keywords and their rule indexes.</summary>
    public static KeywordMatcher Build(IReadOnlyList<(string Keyword, int RuleIndex)> keywords)
    {
        var classOf = new ushort[char.MaxValue + 1];
        var classCount = 1;
        foreach (var (keyword, _) in keywords)
        {
            foreach (var c in keyword)
            {
                if (classOf[c] == 0)
                    classOf[c] = checked((ushort)classCount++);
            }
        }
        for (var c = 'A'; c <= 'Z'; c++)
            classOf[c] = classOf[char.ToLowerInvariant(c)];

        // The keyword trie (goto function), with a dictionary per state while building.
        var children = new List<Dictionary<int, int>> { new() };
        var lowest = new List<int> { int.MaxValue };
        var lowestIndex = int.MaxValue;
        foreach (var (keyword, ruleIndex) in keywords)
        {
            lowestIndex = Math.Min(lowestIndex, ruleIndex);
            var state = Root;
            foreach (var c in keyword)
            {
                if (!children[state].TryGetValue(classOf[c], out var child))
                {
                    child = children.Count;
                    children.Add([]);
                    lowest.Add(int.MaxValue);
                    children[state].Add(classOf[c], child);
                }
                state = child;
            }
            lowest[state] = Math.Min(lowest[state], ruleIndex);
        }

        // Breadth first, so a state's failure target is complete before the state is: the dense
        // table then gives every (state, class) its next state directly.
        var next = new int[children.Count * classCount];
        var failure = new int[children.Count];
        var lowestEndingHere = lowest.ToArray();
        var queue = new Queue<int>();
        foreach (var (symbol, child) in children[Root])
        {
            next[symbol] = child;
            queue.Enqueue(child);
        }
        while (queue.Count > 0)
        {
            var state = queue.Dequeue();
            var fail = failure[state];
            lowestEndingHere[state] = Math.Min(lowestEndingHere[state], lowestEndingHere[fail]);
            for (var symbol = 0; symbol < classCount; symbol++)
            {
                if (children[state].TryGetValue(symbol, out var child))
                {
                    failure[child] = next[fail * classCount + symbol];
                    next[state * classCount + symbol] = child;
                    queue.Enqueue(child);
                }
                else
                {
                    next[state * classCount + symbol] = next[fail * classCount + symbol];
                }
            }
        }
        var rows = new int[next.Length];
        for (var state = 0; state < children.Count; state++)
        {
            rows[state * classCount] = lowestEndingHere[state];
            for (var symbol = 1; symbol < classCount; symbol++)
                rows[state * classCount + symbol] = next[state * classCount + symbol] * classCount;
        }
        return new KeywordMatcher(classOf, rows, children.Count, lowestIndex);
    }

    /// <summary>The lowest index below <paramref name="best"/> of a keyword inside <paramref name="domain"/>, else <paramref name="best"/>.</summary>
    public int Lookup(ReadOnlySpan<char> domain, int best)
    {
        var classOf = _classOf;
        var rows = _rows;
        var row = Root;
        foreach (var c in domain)
        {
            var symbol = classOf[c];
            row = symbol == 0 ? Root : rows[row + symbol];
            best = Math.Min(best, rows[row]);
        }
        return best;
    }
}
