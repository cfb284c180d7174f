using System.Buffers.Binary;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using SharpTun.Proxy;

namespace SharpTun.Tests.Dns.Upstreams;

/// <summary>
/// A DNS server over TCP, or over TLS with <see cref="TestCertificate"/> (a DoT server), on
/// 127.0.0.1: reads length-framed queries and writes the handler's answers. It can answer a batch
/// of queries in reverse order (to test pipelining) and close each connection after some answers
/// (to test reconnecting). Runs until disposed.
/// </summary>
internal sealed class StreamDnsTestServer : IAsyncDisposable
{
    private readonly Socket _listener = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
    private readonly Func<byte[], CancellationToken, Task<byte[]>> _handler;
    private readonly bool _tls;
    private readonly CancellationTokenSource _stop = new(TimeSpan.FromSeconds(60));
    private readonly List<Task> _connections = [];
    private readonly List<string> _serverNames = [];
    private readonly Task _accepting;
    private int _connectionCount;

    public StreamDnsTestServer(Func<byte[], CancellationToken, Task<byte[]>> handler, bool tls = false, int answersPerConnection = 0, int batch = 1)
    {
        _handler = handler;
        _tls = tls;
        AnswersPerConnection = answersPerConnection;
        Batch = batch;
        _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _listener.Listen(16);
        _accepting = AcceptLoopAsync();
    }

    public int AnswersPerConnection { get; }

    public int Batch { get; }

    public ProxyDestination Destination => ProxyDestination.FromEndPoint((IPEndPoint)_listener.LocalEndPoint!);

    public int Port => ((IPEndPoint)_listener.LocalEndPoint!).Port;

    public int Connections => Volatile.Read(ref _connectionCount);

    /// <summary>The SNI each TLS client sent ("" for none).</summary>
    public string[] ServerNames
    {
        get
        {
            lock (_serverNames)
                return [.. _serverNames];
        }
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _listener.Dispose();
        await _accepting;
        Task[] connections;
        lock (_connections)
            connections = [.. _connections];
        await Task.WhenAll(connections);
        _stop.Dispose();
    }

    private async Task AcceptLoopAsync()
    {
        while (true)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }
            Interlocked.Increment(ref _connectionCount);
            lock (_connections)
                _connections.Add(ServeAsync(client));
        }
    }

    private async Task ServeAsync(Socket client)
    {
        var ct = _stop.Token;
        using (client)
        {
            Stream stream = new NetworkStream(client, ownsSocket: false);
            try
            {
                if (_tls)
                {
                    var tls = new SslStream(stream);
                    stream = tls;
                    await tls.AuthenticateAsServerAsync(new SslServerAuthenticationOptions { ServerCertificate = TestCertificate.Certificate }, ct);
                    lock (_serverNames)
                        _serverNames.Add(tls.TargetHostName);
                }
                int answered = 0;
                while (AnswersPerConnection == 0 || answered < AnswersPerConnection)
                {
                    var queries = new List<byte[]>();
                    for (int i = 0; i < Batch; i++)
                    {
                        var query = await ReadFrameAsync(stream, ct);
                        if (query is null)
                            return;
                        queries.Add(query);
                    }
                    queries.Reverse();
                    foreach (var query in queries)
                    {
                        var answer = await _handler(query, ct);
                        var frame = new byte[2 + answer.Length];
                        BinaryPrimitives.WriteUInt16BigEndian(frame, (ushort)answer.Length);
                        answer.CopyTo(frame, 2);
                        await stream.WriteAsync(frame, ct);
                        answered++;
                    }
                    await stream.FlushAsync(ct);
                }
            }
            catch (Exception e) when (e is OperationCanceledException or IOException or SocketException or System.Security.Authentication.AuthenticationException)
            {
                // The client went away, failed the handshake on purpose, or the test ended.
            }
            finally
            {
                await stream.DisposeAsync();
            }
        }
    }

    private static async Task<byte[]?> ReadFrameAsync(Stream stream, CancellationToken ct)
    {
        var length = new byte[2];
        if (await stream.ReadAtLeastAsync(length, 2, throwOnEndOfStream: false, ct) < 2)
            return null;
        var message = new byte[BinaryPrimitives.ReadUInt16BigEndian(length)];
        await stream.ReadExactlyAsync(message, ct);
        return message;
    }
}
