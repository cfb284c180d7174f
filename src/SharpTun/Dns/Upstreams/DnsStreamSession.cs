namespace SharpTun.Dns.Upstreams;

/// <summary>
/// The connection a stream upstream (TCP, TLS) keeps to its server: opened at the first query,
/// shared by the queries that follow (RFC 7766 §6.2.1 asks clients to reuse connections), and
/// opened again once the server has closed it. A query lost because the server closed a reused
/// connection is sent once more on a new one.
/// </summary>
internal sealed class DnsStreamSession(Func<CancellationToken, ValueTask<DnsStreamConnection>> connect) : IAsyncDisposable
{
    private readonly SemaphoreSlim _connecting = new(1, 1);
    private DnsStreamConnection? _current;
    private bool _disposed;

    public async ValueTask<int> ExchangeAsync(ReadOnlyMemory<byte> query, Memory<byte> response, CancellationToken ct)
    {
        for (int attempt = 0; ; attempt++)
        {
            var connection = await GetConnectionAsync(ct).ConfigureAwait(false);
            try
            {
                return await connection.ExchangeAsync(query, response, ct).ConfigureAwait(false);
            }
            catch (DnsUpstreamException e) when (e.ClosedReusedConnection && attempt == 0)
            {
                // The server closed a connection that had been idle or busy; one more try on a fresh one.
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _connecting.WaitAsync().ConfigureAwait(false);
        try
        {
            _disposed = true;
            if (_current is not null)
                await _current.DisposeAsync().ConfigureAwait(false);
            _current = null;
        }
        finally
        {
            _connecting.Release();
        }
    }

    private async ValueTask<DnsStreamConnection> GetConnectionAsync(CancellationToken ct)
    {
        var current = Volatile.Read(ref _current);
        if (current is { IsOpen: true })
            return current;
        await _connecting.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            current = _current;
            if (current is { IsOpen: true })
                return current;
            if (current is not null)
                await current.DisposeAsync().ConfigureAwait(false);
            current = await connect(ct).ConfigureAwait(false);
            Volatile.Write(ref _current, current);
            return current;
        }
        finally
        {
            _connecting.Release();
        }
    }
}
