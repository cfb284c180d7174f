using System.Buffers;
using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;

namespace SharpTun.Dns;

/// <summary>
/// DNS over TCP (RFC 1035 §4.2.2, RFC 7766) for the queries apps send to port 53 over TCP, mostly
/// to repeat one whose UDP answer came back truncated. It listens on a loopback port of SharpTun's
/// own namespace; the proxy sends such flows there like to any other outbound, so they go through
/// the same relay as every TCP flow. A connection may carry several queries, answered in order;
/// it is closed after <see cref="IdleTimeout"/> without one.
/// </summary>
public sealed partial class DnsTcpListener : IAsyncDisposable
{
    /// <summary>How long a connection may wait for its next query (RFC 7766 §6.2.3 suggests seconds).</summary>
    public static readonly TimeSpan IdleTimeout = TimeSpan.FromSeconds(10);

    private readonly Socket _listener;
    private readonly DnsServer _server;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _accepting;
    private readonly Lock _lock = new();
    private readonly HashSet<Task> _connections = [];

    public DnsTcpListener(DnsServer server, ILogger logger)
    {
        _server = server;
        _logger = logger;
        _listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _listener.Listen(128);
        EndPoint = (IPEndPoint)_listener.LocalEndPoint!;
        _accepting = AcceptLoopAsync();
    }

    /// <summary>Where the listener is: 127.0.0.1 and a port the kernel chose.</summary>
    public IPEndPoint EndPoint { get; }

    private async Task AcceptLoopAsync()
    {
        while (true)
        {
            Socket connection;
            try
            {
                connection = await _listener.AcceptAsync(_stopping.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
            {
                return;
            }
            catch (SocketException e)
            {
                LogAcceptFailed(e.Message);
                await Task.Delay(100).ConfigureAwait(false); // out of descriptors: do not spin
                continue;
            }
            var task = ServeAsync(connection);
            lock (_lock)
                _connections.Add(task);
            _ = task.ContinueWith(t => { lock (_lock) _connections.Remove(t); }, TaskScheduler.Default);
        }
    }

    private async Task ServeAsync(Socket connection)
    {
        var query = ArrayPool<byte>.Shared.Rent(2 + ushort.MaxValue);
        var response = ArrayPool<byte>.Shared.Rent(2 + ushort.MaxValue);
        try
        {
            using (connection)
            {
                while (await ReadMessageAsync(connection, query).ConfigureAwait(false) is var length and > 0)
                {
                    var answer = await _server.AnswerAsync(query.AsMemory(2, length), response.AsMemory(2, ushort.MaxValue), overUdp: false, _stopping.Token).ConfigureAwait(false);
                    if (answer <= 0)
                        continue; // not a query: nothing to say
                    BinaryPrimitives.WriteUInt16BigEndian(response, (ushort)answer);
                    await connection.SendAsync(response.AsMemory(0, 2 + answer), SocketFlags.None, _stopping.Token).ConfigureAwait(false);
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // The client went away, idled out, or we are stopping.
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(query);
            ArrayPool<byte>.Shared.Return(response);
        }
    }

    /// <summary>Reads one length-prefixed message into buffer[2..]; its length, or 0 at the end of the stream or after the idle timeout.</summary>
    private async Task<int> ReadMessageAsync(Socket connection, byte[] buffer)
    {
        using var idle = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token);
        idle.CancelAfter(IdleTimeout);
        try
        {
            if (!await ReadExactlyAsync(connection, buffer.AsMemory(0, 2), idle.Token).ConfigureAwait(false))
                return 0;
            var length = BinaryPrimitives.ReadUInt16BigEndian(buffer);
            return length > 0 && await ReadExactlyAsync(connection, buffer.AsMemory(2, length), idle.Token).ConfigureAwait(false) ? length : 0;
        }
        catch (OperationCanceledException) when (!_stopping.IsCancellationRequested)
        {
            return 0;
        }
    }

    private static async Task<bool> ReadExactlyAsync(Socket connection, Memory<byte> buffer, CancellationToken ct)
    {
        while (!buffer.IsEmpty)
        {
            var read = await connection.ReceiveAsync(buffer, SocketFlags.None, ct).ConfigureAwait(false);
            if (read == 0)
                return false;
            buffer = buffer[read..];
        }
        return true;
    }

    /// <summary>Stops accepting and ends every connection.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_stopping.IsCancellationRequested)
            return;
        _stopping.Cancel();
        _listener.Dispose();
        await _accepting.ConfigureAwait(false);
        Task[] running;
        lock (_lock)
            running = [.. _connections];
        await Task.WhenAll(running).ConfigureAwait(false);
        _stopping.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "dns: accepting a TCP connection failed: {Message}")]
    private partial void LogAcceptFailed(string message);
}
