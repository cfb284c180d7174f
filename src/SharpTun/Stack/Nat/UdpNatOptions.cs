namespace SharpTun.Stack.Nat;

/// <summary>Size bound and idle timeout of a <see cref="UdpNatTable{TAssociation}"/>.</summary>
public sealed record UdpNatOptions
{
    /// <summary>
    /// A mapping with no datagram either way for this long is removed. 5 minutes by default, the
    /// least RFC 4787 REQ-5 allows (2 minutes is the floor, 5 the recommendation).
    /// </summary>
    public TimeSpan IdleTimeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>The most mappings; adding one more evicts the least recently used.</summary>
    public int MaximumEntries { get; init; } = 16_384;
}
