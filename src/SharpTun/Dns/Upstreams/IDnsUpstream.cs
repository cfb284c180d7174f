namespace SharpTun.Dns.Upstreams;

/// <summary>
/// A DNS server SharpTun forwards queries to. Contract: <see cref="ExchangeAsync"/> sends one query
/// and returns the length of the answer written to the response buffer: an answer to that question
/// (checked against the query's question, RFC 5452 §9.1), carrying the query's ID whatever ID went
/// on the wire, complete (never truncated: a truncated UDP answer is asked again over TCP). Expected
/// network failures (refused, unreachable, closed connection, TLS or HTTP errors, an answer that
/// does not parse or does not fit the buffer) throw <see cref="DnsUpstreamException"/> with a
/// message for a log line; cancellation through <c>ct</c> throws <see cref="OperationCanceledException"/>,
/// and is how callers bound the time an exchange may take. Safe to call concurrently.
/// </summary>
public interface IDnsUpstream
{
    /// <summary>The upstream's URL form for log lines: "udp://1.1.1.1:53", "tls://1.1.1.1:853#cloudflare-dns.com".</summary>
    string Name { get; }

    /// <summary>Sends <paramref name="query"/> (a whole DNS message) and writes the answer to <paramref name="response"/>; see the interface contract.</summary>
    /// <returns>The length of the answer in <paramref name="response"/>.</returns>
    ValueTask<int> ExchangeAsync(ReadOnlyMemory<byte> query, Memory<byte> response, CancellationToken ct);
}
