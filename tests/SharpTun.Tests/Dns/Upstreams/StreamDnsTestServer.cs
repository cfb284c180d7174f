using System.Buffers.Binary;
using System.Net.Security;
using System.Net.Sockets;

namespace SharpTun.Tests.Dns.Upstreams;

/// <summary>
/// A DNS server over TCP, or over TLS with <see cref="TestCertificate"/> (a DoT server), on
/// 127.0.0.1: reads length-framed queries and writes the handler's answers. It can answer a batch
/// of queries in reverse order (to test pipelining) and close each connection after some answers
/// (to test reconnecting). Runs until disposed.
/// </summary>
internal sealed class StreamDnsTestServer : LoopbackTestServer
{
    private readonly Func<byte[], CancellationToken, Task<byte[]>> _handler;
    private readonly bool _tls;
    private readonly List<string> _serverNames = [];

    public StreamDnsTestServer(Func<byte[], CancellationToken, Task<byte[]>> handler, bool tls = false, int answersPerConnection = 0, int batch = 1)
    {
        _handler = handler;
        _tls = tls;
        AnswersPerConnection = answersPerConnection;
        Batch = batch;
        Start();
    }

    public int AnswersPerConnection { get; }

    public int Batch { get; }

    /// <summary>The SNI each TLS client sent ("" for none).</summary>
    public string[] ServerNames
    {
        get
        {
            lock (_serverNames)
                return [.. _serverNames];
        }
    }

    protected override async Task ServeAsync(Socket client)
    {
        var ct = Stopping;
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
