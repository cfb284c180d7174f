using System.Buffers;
using System.Buffers.Binary;
using System.Net.Sockets;
using System.Security.Authentication;
using SharpTun.Wire;

namespace SharpTun.Dns.Upstreams;

/// <summary>
/// One connection carrying DNS messages with 2-byte length framing (RFC 1035 §4.2.2), over TCP or
/// TLS. Queries are pipelined (RFC 7766 §6.2.1.1): each goes out as soon as the writer is free,
/// with an ID unique among the queries in flight, and a reader task hands every answer to the
/// query with its ID, answers arriving in any order. When the server closes the connection or
/// breaks the framing, the queries still waiting fail and the connection takes no more.
/// </summary>
internal sealed class DnsStreamConnection : IAsyncDisposable
{
    private const int LengthPrefix = 2;

    private readonly Stream _stream;
    private readonly IDisposable _owner;
    private readonly string _name;
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly Lock _lock = new();
    private readonly Dictionary<ushort, Exchange> _pending = [];
    private readonly Task _reader;
    private volatile string? _closedReason;
    private int _sent;

    /// <param name="stream">The connected (and, for TLS, authenticated) stream.</param>
    /// <param name="owner">What to dispose after the stream to close the connection (the socket).</param>
    /// <param name="name">The upstream's name, for messages.</param>
    public DnsStreamConnection(Stream stream, IDisposable owner, string name)
    {
        _stream = stream;
        _owner = owner;
        _name = name;
        _reader = Task.Run(ReadLoopAsync);
    }

    /// <summary>True until the connection is closed, by either side.</summary>
    public bool IsOpen => _closedReason is null;

    /// <summary>Sends <paramref name="query"/> and waits for its answer; see <see cref="IDnsUpstream"/> for the contract.</summary>
    public async ValueTask<int> ExchangeAsync(ReadOnlyMemory<byte> query, Memory<byte> response, CancellationToken ct)
    {
        if (query.Length is < DnsHeader.Length or > ushort.MaxValue)
            throw new ArgumentException($"a DNS query over TCP is {DnsHeader.Length}-{ushort.MaxValue} bytes, not {query.Length}", nameof(query));
        var exchange = new Exchange(query, response);
        ushort id;
        lock (_lock)
        {
            if (_closedReason is { } reason)
                throw new DnsUpstreamException($"{_name}: {reason}") { ClosedReusedConnection = true };
            do
                id = UdpDnsUpstream.RandomId();
            while (_pending.ContainsKey(id));
            _pending.Add(id, exchange);
            exchange.Reused = _sent++ > 0;
        }
        try
        {
            await SendAsync(query, id, ct).ConfigureAwait(false);
            return await exchange.Task.WaitAsync(ct).ConfigureAwait(false);
        }
        finally
        {
            // The reader fills the response buffer only under the lock and only while the exchange
            // is pending, so once it is removed here the caller may reuse the buffer.
            lock (_lock)
            {
                if (_pending.TryGetValue(id, out var current) && current == exchange)
                    _pending.Remove(id);
            }
        }
    }

    /// <summary>Closes the connection; queries waiting on it fail.</summary>
    public async ValueTask DisposeAsync()
    {
        Close("the connection was closed by SharpTun");
        try
        {
            await _reader.ConfigureAwait(false);
        }
        catch (Exception)
        {
            // The reader turns every failure into Close; nothing is left to report.
        }
    }

    private async ValueTask SendAsync(ReadOnlyMemory<byte> query, ushort id, CancellationToken ct)
    {
        var frame = ArrayPool<byte>.Shared.Rent(LengthPrefix + query.Length);
        try
        {
            BinaryPrimitives.WriteUInt16BigEndian(frame, (ushort)query.Length);
            query.Span.CopyTo(frame.AsSpan(LengthPrefix));
            DnsMessages.WriteId(frame.AsSpan(LengthPrefix), id);
            await _writeLock.WaitAsync(ct).ConfigureAwait(false);
            try
            {
                // A write cut off half way leaves the framing broken, so any failure here closes the connection.
                await _stream.WriteAsync(frame.AsMemory(0, LengthPrefix + query.Length), ct).ConfigureAwait(false);
                await _stream.FlushAsync(ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                Close("a write was cancelled half way");
                throw;
            }
            catch (Exception e) when (IsConnectionFailure(e))
            {
                Close("sending failed: " + e.Message);
            }
            finally
            {
                _writeLock.Release();
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(frame);
        }
    }

    private async Task ReadLoopAsync()
    {
        var buffer = ArrayPool<byte>.Shared.Rent(ushort.MaxValue);
        string reason;
        try
        {
            while (true)
            {
                if (await _stream.ReadAtLeastAsync(buffer.AsMemory(0, LengthPrefix), LengthPrefix, throwOnEndOfStream: false).ConfigureAwait(false) < LengthPrefix)
                {
                    reason = "the server closed the connection";
                    break;
                }
                int length = BinaryPrimitives.ReadUInt16BigEndian(buffer);
                if (length < DnsHeader.Length)
                {
                    reason = $"the server sent a {length}-byte message, shorter than a DNS header";
                    break;
                }
                if (await _stream.ReadAtLeastAsync(buffer.AsMemory(0, length), length, throwOnEndOfStream: false).ConfigureAwait(false) < length)
                {
                    reason = "the server closed the connection in the middle of an answer";
                    break;
                }
                Deliver(buffer.AsSpan(0, length));
            }
        }
        catch (Exception e)
        {
            // Whatever went wrong, the waiting queries must hear of it rather than wait for their timeout.
            reason = "receiving failed: " + e.Message;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
        Close(reason);
    }

    private void Deliver(ReadOnlySpan<byte> message)
    {
        lock (_lock)
        {
            if (!_pending.Remove(DnsMessages.ReadId(message), out var exchange))
                return; // the answer to a query that was cancelled meanwhile
            var query = exchange.Query.Span;
            if (!DnsMessages.AnswersQuestion(query, message))
                exchange.TrySetException(new DnsUpstreamException($"{_name} answered another question under the query's ID"));
            else if (message.Length > exchange.Response.Length)
                exchange.TrySetException(new DnsUpstreamException($"{_name} sent a {message.Length}-byte answer, larger than the {exchange.Response.Length}-byte buffer"));
            else
            {
                var response = exchange.Response.Span;
                message.CopyTo(response);
                DnsMessages.WriteId(response, DnsMessages.ReadId(query));
                exchange.TrySetResult(message.Length);
            }
        }
    }

    private void Close(string reason)
    {
        Exchange[] waiting;
        lock (_lock)
        {
            if (_closedReason is not null)
                return;
            _closedReason = reason;
            waiting = new Exchange[_pending.Count];
            _pending.Values.CopyTo(waiting, 0);
            _pending.Clear();
        }
        foreach (var exchange in waiting)
            exchange.TrySetException(new DnsUpstreamException($"{_name}: {reason}") { ClosedReusedConnection = exchange.Reused });
        try
        {
            _stream.Dispose();
        }
        catch (Exception e) when (IsConnectionFailure(e))
        {
            // A TLS close_notify that cannot be sent any more: the socket goes anyway.
        }
        _owner.Dispose();
    }

    private static bool IsConnectionFailure(Exception e) =>
        e is IOException or SocketException or ObjectDisposedException or AuthenticationException;

    /// <summary>One query waiting for its answer.</summary>
    private sealed class Exchange(ReadOnlyMemory<byte> query, Memory<byte> response) : TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously)
    {
        public ReadOnlyMemory<byte> Query { get; } = query;

        public Memory<byte> Response { get; } = response;

        /// <summary>The connection had carried a query before this one.</summary>
        public bool Reused { get; set; }
    }
}
