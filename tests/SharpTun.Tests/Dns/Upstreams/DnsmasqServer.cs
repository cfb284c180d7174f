using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using SharpTun.Proxy;

namespace SharpTun.Tests.Dns.Upstreams;

/// <summary>
/// dnsmasq on 127.0.0.1 at a free port (UDP and TCP), with local data only (TTL 300): A 192.0.2.7 for every
/// name under example.test, and a TXT record at <see cref="BigTxtName"/> whose answer (about 700
/// bytes) does not fit a 512-byte UDP message. Anything else is REFUSED (no upstream).
/// </summary>
internal sealed class DnsmasqServer : IDisposable
{
    public const string Address = "192.0.2.7";
    public const string BigTxtName = "big.txt.test";

    /// <summary>The TXT record's text: three character-strings of 200 bytes.</summary>
    public static readonly string BigTxt = new string('a', 200) + new string('b', 200) + new string('c', 200);

    private readonly TestProcess _process;

    public DnsmasqServer()
    {
        Port = TestProcess.FreePort();
        _process = new TestProcess("dnsmasq", "dnsmasq-base",
        [
            "--keep-in-foreground", "--conf-file=/dev/null", "--no-resolv", "--no-hosts", "--bind-interfaces", "--local-ttl=300",
            "--listen-address=127.0.0.1", $"--port={Port}", "--user=root", "--pid-file=", "--log-facility=-",
            "--address=/example.test/" + Address,
            $"--txt-record={BigTxtName},{new string('a', 200)},{new string('b', 200)},{new string('c', 200)}",
        ], Port);
    }

    public int Port { get; }

    public IPEndPoint EndPoint => new(IPAddress.Loopback, Port);

    public ProxyDestination Destination => ProxyDestination.FromEndPoint(EndPoint);

    public string Output => _process.Output;

    /// <summary>Asks dnsmasq over a TCP connection of its own, as a forwarding test server does.</summary>
    public async Task<byte[]> AskTcpAsync(byte[] query, CancellationToken ct)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(EndPoint, ct);
        await using var stream = new NetworkStream(socket);
        var frame = new byte[2 + query.Length];
        BinaryPrimitives.WriteUInt16BigEndian(frame, (ushort)query.Length);
        query.CopyTo(frame, 2);
        await stream.WriteAsync(frame, ct);
        var length = new byte[2];
        await stream.ReadExactlyAsync(length, ct);
        var answer = new byte[BinaryPrimitives.ReadUInt16BigEndian(length)];
        await stream.ReadExactlyAsync(answer, ct);
        return answer;
    }

    /// <summary>Asks dnsmasq with one UDP datagram, bypassing every SharpTun class.</summary>
    public async Task<byte[]> AskUdpAsync(byte[] query, CancellationToken ct)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        socket.Connect(EndPoint);
        await socket.SendAsync(query, ct);
        var buffer = new byte[65535];
        int length = await socket.ReceiveAsync(buffer, ct);
        return buffer[..length];
    }

    public void Dispose() => _process.Dispose();
}
