namespace SharpTun.Proxy.Rules;

/// <summary>An inclusive range of ports, <c>1000-2000</c>; a single port is a range of one.</summary>
/// <param name="First">The lowest port in the range.</param>
/// <param name="Last">The highest port in the range.</param>
public readonly record struct PortRange(int First, int Last)
{
    /// <summary>True when <paramref name="port"/> lies in the range.</summary>
    public bool Contains(int port) => port >= First && port <= Last;

    /// <inheritdoc/>
    public override string ToString() => First == Last ? $"{First}" : $"{First}-{Last}";
}
