namespace SharpTun.Proxy.Rules;

/// <summary>
/// DST-PORT or SRC-PORT rules as a table of the lowest matching rule index for each of the 65,536
/// ports (256 KiB): a lookup is one array read.
/// </summary>
internal sealed class PortTable
{
    private const int PortCount = 65536;

    private readonly int[] _lowestIndex;

    private PortTable(int[] lowestIndex, int lowestOverall)
    {
        _lowestIndex = lowestIndex;
        LowestIndex = lowestOverall;
    }

    /// <summary>The lowest rule index in the table, <see cref="int.MaxValue"/> when empty.</summary>
    public int LowestIndex { get; }

    /// <summary>Builds the table from port ranges listed in ascending rule index order.</summary>
    public static PortTable Build(IReadOnlyList<(PortRange Range, int RuleIndex)> ranges)
    {
        var lowestIndex = new int[PortCount];
        Array.Fill(lowestIndex, int.MaxValue);
        // Ranges come lowest index first, so each port keeps the first index that reaches it.
        // nextUnset[p] points at the first port >= p still without an index (with path halving),
        // so 100,000 rules of 0-65535 cost 65,536 writes, not 6.5 billion.
        var nextUnset = new int[PortCount + 1];
        for (var port = 0; port <= PortCount; port++)
            nextUnset[port] = port;
        var lowestOverall = int.MaxValue;
        foreach (var (range, ruleIndex) in ranges)
        {
            lowestOverall = Math.Min(lowestOverall, ruleIndex);
            for (var port = FindUnset(nextUnset, range.First); port <= range.Last; port = FindUnset(nextUnset, port + 1))
            {
                lowestIndex[port] = ruleIndex;
                nextUnset[port] = port + 1;
            }
        }
        return new PortTable(lowestIndex, lowestOverall);
    }

    /// <summary>The lowest index for <paramref name="port"/>, <see cref="int.MaxValue"/> when none (or the port is out of range).</summary>
    public int Lookup(int port) => (uint)port < PortCount ? _lowestIndex[port] : int.MaxValue;

    private static int FindUnset(int[] nextUnset, int port)
    {
        while (nextUnset[port] != port)
        {
            nextUnset[port] = nextUnset[nextUnset[port]];
            port = nextUnset[port];
        }
        return port;
    }
}
