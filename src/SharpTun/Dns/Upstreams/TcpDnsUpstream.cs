using SharpTun.Proxy;
using SharpTun.Proxy.Outbounds;

namespace SharpTun.Dns.Upstreams;

/// <summary>
/// Plain DNS over TCP (RFC 1035 §4.2.2, RFC 7766): one connection through an <see cref="IOutbound"/>
/// (direct, or a proxy to resolve over it), kept open and shared by pipelined queries, opened again
/// when the server closes it.
/// </summary>
public sealed class TcpDnsUpstream : IDnsUpstream, IAsyncDisposable
{
    private readonly ProxyDestination _server;
    private readonly IOutbound _outbound;
    private readonly DnsStreamSession _session;

    /// <param name="server">The server: an address, or a name the outbound connects to.</param>
    /// <param name="outbound">Opens the connection; its sockets carry the loop-prevention options.</param>
    /// <param name="name">The name in log lines; "tcp://host:port" when null.</param>
    public TcpDnsUpstream(ProxyDestination server, IOutbound outbound, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(outbound);
        _server = server;
        _outbound = outbound;
        Name = name ?? "tcp://" + server;
        _session = new DnsStreamSession(ConnectAsync);
    }

    /// <inheritdoc/>
    public string Name { get; }

    /// <inheritdoc/>
    public ValueTask<int> ExchangeAsync(ReadOnlyMemory<byte> query, Memory<byte> response, CancellationToken ct) =>
        _session.ExchangeAsync(query, response, ct);

    /// <summary>Closes the connection.</summary>
    public ValueTask DisposeAsync() => _session.DisposeAsync();

    private async ValueTask<DnsStreamConnection> ConnectAsync(CancellationToken ct)
    {
        var result = await _outbound.ConnectTcpAsync(_server, ct).ConfigureAwait(false);
        if (!result.IsSuccess)
            throw new DnsUpstreamException($"{Name}: cannot connect ({_outbound.Name}): {result.Message}");
        return new DnsStreamConnection(result.Connection.Stream, result.Connection, Name);
    }
}
