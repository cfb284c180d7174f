using System.Buffers;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using SharpTun.Proxy;
using SharpTun.Proxy.Outbounds;
using SharpTun.Wire;

namespace SharpTun.Dns.Upstreams;

/// <summary>
/// Plain DNS over UDP (RFC 1035 §4.2.1) from a socket of its own per query, with the
/// <see cref="OutboundSocketOptions"/> applied and connected to the server, so the kernel picks a
/// random source port and drops datagrams from anyone else. Each query goes out with a random ID;
/// replies whose ID or question do not match are dropped and the wait goes on (RFC 5452 §9.1).
/// Unanswered queries are sent again every <see cref="DnsUpstreamOptions.UdpRetransmitInterval"/>.
/// A truncated answer (TC) is asked again over TCP of the same server (RFC 7766 §5), direct with
/// the same socket options.
/// </summary>
/// <remarks>
/// The query's EDNS payload size is what the server may send; the receive buffer takes any
/// datagram up to 64 KiB, so every size a query can announce is honoured.
/// </remarks>
public sealed class UdpDnsUpstream : IDnsUpstream, IAsyncDisposable
{
    /// <summary>The largest UDP payload over IPv4 or IPv6 without jumbograms.</summary>
    private const int MaximumDatagramLength = 65_535;

    private readonly IPEndPoint _server;
    private readonly OutboundSocketOptions _socketOptions;
    private readonly TimeSpan _retransmitInterval;
    private readonly TimeProvider _time;
    private readonly TcpDnsUpstream _tcp;

    /// <param name="server">The server's address and port.</param>
    /// <param name="options">Socket options, retransmit interval, clock; the TCP fallback's connect timeout.</param>
    /// <param name="logger">For the TCP fallback's direct outbound.</param>
    /// <param name="name">The name in log lines; "udp://address:port" when null.</param>
    public UdpDnsUpstream(IPEndPoint server, DnsUpstreamOptions options, ILogger logger, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(server);
        ArgumentNullException.ThrowIfNull(options);
        _server = server;
        _socketOptions = options.SocketOptions;
        _retransmitInterval = options.UdpRetransmitInterval;
        _time = options.TimeProvider;
        var destination = ProxyDestination.FromEndPoint(server);
        Name = name ?? "udp://" + destination;
        var direct = new DirectOutbound(new OutboundOptions { SocketOptions = options.SocketOptions, ConnectTimeout = options.ConnectTimeout, TimeProvider = options.TimeProvider }, logger);
        _tcp = new TcpDnsUpstream(destination, direct, Name + " (TCP fallback)");
    }

    /// <inheritdoc/>
    public string Name { get; }

    /// <inheritdoc/>
    public async ValueTask<int> ExchangeAsync(ReadOnlyMemory<byte> query, Memory<byte> response, CancellationToken ct)
    {
        if (query.Length < DnsHeader.Length)
            throw new ArgumentException($"a DNS query is at least {DnsHeader.Length} bytes, not {query.Length}", nameof(query));
        var sent = ArrayPool<byte>.Shared.Rent(query.Length);
        var received = ArrayPool<byte>.Shared.Rent(MaximumDatagramLength);
        try
        {
            query.Span.CopyTo(sent);
            ushort id = RandomId();
            DnsMessages.WriteId(sent, id);
            var message = sent.AsMemory(0, query.Length);
            using var socket = OpenSocket();
            int dropped = 0;
            while (true)
            {
                await SendAsync(socket, message, ct).ConfigureAwait(false);
                using var round = new CancellationTokenSource(_retransmitInterval, _time);
                using var wait = CancellationTokenSource.CreateLinkedTokenSource(ct, round.Token);
                while (true)
                {
                    int length;
                    try
                    {
                        length = await socket.ReceiveAsync(received, SocketFlags.None, wait.Token).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException) when (!ct.IsCancellationRequested)
                    {
                        break; // unanswered for a retransmit interval: send again
                    }
                    catch (SocketException e)
                    {
                        throw Failure(e, dropped);
                    }
                    switch (Check(message.Span, received.AsSpan(0, length), id))
                    {
                        case Reply.Mismatch:
                            dropped++;
                            continue;
                        case Reply.Truncated:
                            return await _tcp.ExchangeAsync(query, response, ct).ConfigureAwait(false);
                    }
                    if (length > response.Length)
                        throw new DnsUpstreamException($"{Name} sent a {length}-byte answer, larger than the {response.Length}-byte buffer");
                    received.AsSpan(0, length).CopyTo(response.Span);
                    DnsMessages.WriteId(response.Span, DnsMessages.ReadId(query.Span));
                    return length;
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(received);
            ArrayPool<byte>.Shared.Return(sent);
        }
    }

    /// <summary>Closes the TCP fallback's connection.</summary>
    public ValueTask DisposeAsync() => _tcp.DisposeAsync();

    private Socket OpenSocket()
    {
        var socket = new Socket(_server.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        try
        {
            _socketOptions.Apply(socket);
            // Connected: the kernel binds a random ephemeral port and delivers only the server's datagrams.
            socket.Connect(_server);
            return socket;
        }
        catch (SocketException e)
        {
            socket.Dispose();
            throw new DnsUpstreamException($"{Name}: cannot set up a UDP socket ({_socketOptions}): {TcpConnector.Describe(e.SocketErrorCode)}", e);
        }
    }

    private async ValueTask SendAsync(Socket socket, ReadOnlyMemory<byte> message, CancellationToken ct)
    {
        try
        {
            await socket.SendAsync(message, SocketFlags.None, ct).ConfigureAwait(false);
        }
        catch (SocketException e)
        {
            throw Failure(e, 0);
        }
    }

    private DnsUpstreamException Failure(SocketException e, int dropped)
    {
        var reason = e.SocketErrorCode == SocketError.ConnectionRefused
            ? "refused the query (ICMP port unreachable: nothing listens there)"
            : TcpConnector.Describe(e.SocketErrorCode);
        var drops = dropped == 0 ? "" : $" ({dropped} mismatched replies dropped)";
        return new DnsUpstreamException($"{Name}: {reason}{drops}", e);
    }

    private static Reply Check(ReadOnlySpan<byte> query, ReadOnlySpan<byte> reply, ushort id)
    {
        if (reply.Length < DnsHeader.Length || DnsMessages.ReadId(reply) != id || !DnsMessages.AnswersQuestion(query, reply))
            return Reply.Mismatch;
        var flags = (DnsFlags)System.Buffers.Binary.BinaryPrimitives.ReadUInt16BigEndian(reply[DnsHeader.Field.Flags..]);
        return (flags & DnsFlags.Truncated) != 0 ? Reply.Truncated : Reply.Answer;
    }

    /// <summary>A random query ID from the system's CSPRNG, so off-path spoofers must guess it (RFC 5452 §4.3).</summary>
    internal static ushort RandomId()
    {
        Span<byte> bytes = stackalloc byte[sizeof(ushort)];
        RandomNumberGenerator.Fill(bytes);
        return DnsMessages.ReadId(bytes);
    }

    private enum Reply
    {
        Answer,
        Truncated,
        Mismatch,
    }
}
