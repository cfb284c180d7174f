namespace SharpTun.Dns;

/// <summary>Where the DNS server sends the queries it does not answer itself (the upstream resolvers, through their cache).</summary>
public interface IDnsForwarder
{
    /// <summary>
    /// Exchanges <paramref name="query"/> (a whole DNS message) with the upstreams and writes the
    /// answer into <paramref name="response"/>; returns its length, or 0 when no upstream answered.
    /// Network failures are not exceptions; only cancellation throws.
    /// </summary>
    ValueTask<int> ForwardAsync(ReadOnlyMemory<byte> query, Memory<byte> response, CancellationToken ct);
}
