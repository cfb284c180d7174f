namespace SharpTun.Stack.Nat;

/// <summary>Which ports of each address, and how many addresses of the subnet, a <see cref="NatPool"/> uses.</summary>
public sealed record NatPoolOptions
{
    /// <summary>The first port handed out; 1024 by default (above the well-known ports, RFC 6335 §6).</summary>
    public ushort FirstPort { get; init; } = 1024;

    /// <summary>The last port handed out, inclusive; 65535 by default.</summary>
    public ushort LastPort { get; init; } = 65535;

    /// <summary>
    /// The most addresses of the subnet the pool uses, counted from the start of the subnet. An IPv6
    /// /64 has 2^64 addresses; 65,536 of them with 64,512 ports each is over four billion flows, and
    /// the pool keeps one array slot per address. Applies to IPv4 too (a /8 would need 16 million).
    /// </summary>
    public int MaximumAddresses { get; init; } = 65_536;
}
