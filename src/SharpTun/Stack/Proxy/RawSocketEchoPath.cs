using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using SharpTun.Proxy.Outbounds;
using SharpTun.Stack.Nat;
using SharpTun.Tun;
using SharpTun.Wire;

namespace SharpTun.Stack.Proxy;

/// <summary>
/// Forwards echo requests of one family through a single raw ICMP socket (CAP_NET_RAW), for hosts
/// whose net.ipv4.ping_group_range refuses ping sockets. Each app address and identifier gets an
/// identifier of ours, unique among our mappings, written into its requests; the socket receives
/// every echo reply of the namespace (ICMP_FILTER drops the rest), and the identifier picks the
/// mapping, or none for replies to other programs' pings, which are ignored. An IPv4 raw socket
/// delivers the IP header too, and leaves the ICMP checksum to us; an ICMPv6 one computes it
/// (RFC 3542 §3.1).
/// </summary>
internal sealed class RawSocketEchoPath : IcmpEchoPath
{
    private readonly Socket _socket;
    private readonly UdpNatTable<Mapping> _table;
    private readonly ConcurrentDictionary<ushort, Mapping> _byIdentifier = new();
    private readonly PacketBuffer _reply;
    private readonly SocketAddress _received;
    private readonly CancellationTokenSource _closed = new();
    private int _nextIdentifier = Random.Shared.Next(ushort.MaxValue);

    public RawSocketEchoPath(bool isIPv6, ITunQueue replyQueue, OutboundSocketOptions socketOptions, IcmpForwardingOptions options,
        RunningTasks tasks, TimeProvider time) : base(isIPv6, replyQueue, socketOptions, tasks)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(options.MaximumMappings, ushort.MaxValue, nameof(options));
        _socket = IcmpSockets.Open(IcmpEchoSocketKind.Raw, isIPv6, socketOptions);
        _table = new UdpNatTable<Mapping>(app => new Mapping(this, app),
            new UdpNatOptions { IdleTimeout = options.IdleTimeout, MaximumEntries = options.MaximumMappings }, time);
        // Room for the largest datagram, received after enough headroom that our IPv4 header fits in
        // front of the message even when the received one was the shortest (20 bytes).
        _reply = new PacketBuffer(IcmpEchoReplyBuilder.Headroom + ushort.MaxValue, headroom: 0);
        _received = new SocketAddress(Family);
        Track(ReceiveLoopAsync());
    }

    public override IcmpEchoSocketKind Kind => IcmpEchoSocketKind.Raw;

    public override int Mappings => _table.Count;

    public override void ExpireIdle() => _table.ExpireIdle();

    public override void Dispose()
    {
        _closed.Cancel();
        _socket.Dispose();
        _table.Dispose();
    }

    protected override bool SendCore(IcmpEchoRequest request)
    {
        var mapping = _table.GetOrAdd(request.App);
        var message = request.Message;
        BinaryPrimitives.WriteUInt16BigEndian(message[IcmpV4Packet.Field.Identifier..], mapping.Identifier);
        if (!IsIPv6)
            IcmpV4Packet.CreateUnchecked(message).UpdateChecksum();
        NatSocketAddress.Write(new NatEndpoint(request.Destination, 0, IsIPv6), mapping.Destination);
        try
        {
            if (_socket.SendTo(message, SocketFlags.None, mapping.Destination) == message.Length)
            {
                mapping.HasSent = true;
                return true;
            }
        }
        catch (SocketException) when (!mapping.HasSent)
        {
            _table.Remove(request.App); // never got a request out (no route): keep no identifier for it
            throw;
        }
        if (!mapping.HasSent)
            _table.Remove(request.App);
        return false;
    }

    private async Task ReceiveLoopAsync()
    {
        var offset = IsIPv6 ? IcmpEchoReplyBuilder.Headroom : IcmpEchoReplyBuilder.Headroom - Ipv4Packet.MinimumHeaderLength;
        var space = _reply.Array.AsMemory(offset);
        try
        {
            while (true)
            {
                int length;
                try
                {
                    length = await _socket.ReceiveFromAsync(space, SocketFlags.None, _received, _closed.Token).ConfigureAwait(false);
                }
                catch (SocketException) when (!_closed.IsCancellationRequested)
                {
                    continue; // an error queued on the socket; raw sockets report them only this way
                }
                var messageOffset = offset;
                if (!IsIPv6)
                {
                    var ipHeaderLength = (_reply.Array[offset] & 0x0F) * 4;
                    if (ipHeaderLength < Ipv4Packet.MinimumHeaderLength || length < ipHeaderLength)
                        continue;
                    messageOffset += ipHeaderLength;
                    length -= ipHeaderLength;
                }
                if (length < IcmpV4Packet.HeaderLength)
                    continue;
                var identifier = BinaryPrimitives.ReadUInt16BigEndian(_reply.Array.AsSpan(messageOffset + IcmpV4Packet.Field.Identifier));
                if (!_byIdentifier.TryGetValue(identifier, out var mapping))
                    continue; // a reply to someone else's ping
                _table.Refresh(mapping.App);
                WriteReply(_reply, messageOffset, length, NatSocketAddress.Read(_received).Address, mapping.App);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException || e is SocketException && _closed.IsCancellationRequested)
        {
            // disposed: the proxy stops
        }
    }

    /// <summary>One app address and identifier, and the identifier of ours that stands for it on the wire.</summary>
    private sealed class Mapping : IDisposable
    {
        private readonly RawSocketEchoPath _path;

        public Mapping(RawSocketEchoPath path, NatEndpoint app)
        {
            _path = path;
            App = app;
            Destination = new SocketAddress(path.Family);
            // At most MaximumMappings (< 65,536) are taken, so a free identifier is always found.
            do
                Identifier = (ushort)Interlocked.Increment(ref path._nextIdentifier);
            while (!path._byIdentifier.TryAdd(Identifier, this));
        }

        public NatEndpoint App { get; }

        public ushort Identifier { get; }

        /// <summary>The last destination; written by the TUN queue loop that sends for this mapping.</summary>
        public SocketAddress Destination { get; }

        public bool HasSent { get; set; }

        public void Dispose() => _path._byIdentifier.TryRemove(new KeyValuePair<ushort, Mapping>(Identifier, this));
    }
}
