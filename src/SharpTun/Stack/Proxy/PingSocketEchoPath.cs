using System.Net;
using System.Net.Sockets;
using SharpTun.Proxy.Outbounds;
using SharpTun.Stack.Nat;
using SharpTun.Tun;

namespace SharpTun.Stack.Proxy;

/// <summary>
/// Forwards echo requests of one family through unprivileged ping sockets, one per app address and
/// identifier. The kernel writes the socket's own "port" into each request's Identifier and hands
/// the socket only the replies carrying it (net/ipv4/ping.c), so a reply belongs to its socket's
/// mapping; the builder puts the app's identifier back. Replies are read into a buffer taken from a
/// small shared pool only once one is waiting (a zero-byte peek first), so an idle mapping holds no
/// buffer of the TUN's MTU.
/// </summary>
internal sealed class PingSocketEchoPath : IcmpEchoPath
{
    private readonly UdpNatTable<Mapping> _table;
    private readonly int _bufferLength;
    private readonly Lock _spareLock = new();
    private readonly Stack<PacketBuffer> _spare = new();

    public PingSocketEchoPath(bool isIPv6, ITunQueue replyQueue, int mtu, OutboundSocketOptions socketOptions, IcmpForwardingOptions options,
        RunningTasks tasks, TimeProvider time) : base(isIPv6, replyQueue, socketOptions, tasks)
    {
        _bufferLength = IcmpEchoReplyBuilder.Headroom + mtu;
        _table = new UdpNatTable<Mapping>(app => new Mapping(this, app),
            new UdpNatOptions { IdleTimeout = options.IdleTimeout, MaximumEntries = options.MaximumMappings }, time);
    }

    public override IcmpEchoSocketKind Kind => IcmpEchoSocketKind.Ping;

    public override int Mappings => _table.Count;

    public override void ExpireIdle() => _table.ExpireIdle();

    public override void Dispose() => _table.Dispose();

    protected override bool SendCore(IcmpEchoRequest request)
    {
        var mapping = _table.GetOrAdd(request.App);
        try
        {
            if (mapping.Send(request.Destination, request.Message))
                return true;
        }
        catch (SocketException) when (!mapping.HasSent)
        {
            _table.Remove(request.App); // never got a request out (no route): keep no socket for it
            throw;
        }
        if (!mapping.HasSent)
            _table.Remove(request.App);
        return false;
    }

    private PacketBuffer RentBuffer()
    {
        lock (_spareLock)
        {
            if (_spare.TryPop(out var buffer))
                return buffer;
        }
        return new PacketBuffer(_bufferLength, IcmpEchoReplyBuilder.Headroom);
    }

    private void ReturnBuffer(PacketBuffer buffer)
    {
        lock (_spareLock)
            _spare.Push(buffer);
    }

    /// <summary>One app address and identifier: its ping socket and the loop reading its replies.</summary>
    private sealed class Mapping : IDisposable
    {
        private readonly PingSocketEchoPath _path;
        private readonly NatEndpoint _app;
        private readonly Socket _socket;
        private readonly SocketAddress _destination;
        private readonly SocketAddress _received;
        private readonly CancellationTokenSource _closed = new();
        private int _hasSent;

        public Mapping(PingSocketEchoPath path, NatEndpoint app)
        {
            _path = path;
            _app = app;
            _socket = IcmpSockets.Open(IcmpEchoSocketKind.Ping, path.IsIPv6, path.SocketOptions);
            _destination = new SocketAddress(path.Family);
            _received = new SocketAddress(path.Family);
            path.Track(ReceiveLoopAsync());
        }

        public bool HasSent => Volatile.Read(ref _hasSent) != 0;

        public bool Send(UInt128 destination, ReadOnlySpan<byte> message)
        {
            NatSocketAddress.Write(new NatEndpoint(destination, 0, _path.IsIPv6), _destination);
            if (_socket.SendTo(message, SocketFlags.None, _destination) != message.Length)
                return false;
            Volatile.Write(ref _hasSent, 1);
            return true;
        }

        private async Task ReceiveLoopAsync()
        {
            try
            {
                while (true)
                {
                    try
                    {
                        await _socket.ReceiveAsync(Memory<byte>.Empty, SocketFlags.Peek, _closed.Token).ConfigureAwait(false);
                    }
                    catch (SocketException) when (!_closed.IsCancellationRequested)
                    {
                        // An ICMP error (unreachable, TTL exceeded, fragmentation needed) for one of
                        // our requests, reported once through the socket's error (ping_err in
                        // net/ipv4/ping.c) and cleared by being reported.
                        continue;
                    }
                    ReceiveWaiting();
                }
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException || e is SocketException && _closed.IsCancellationRequested)
            {
                // disposed: the mapping expired, was evicted, or the proxy stops
            }
        }

        /// <summary>Reads the reply the peek saw and writes it into the TUN.</summary>
        private void ReceiveWaiting()
        {
            var buffer = _path.RentBuffer();
            try
            {
                int length;
                try
                {
                    length = _socket.ReceiveFrom(buffer.Array.AsSpan(IcmpEchoReplyBuilder.Headroom), SocketFlags.None, _received);
                }
                catch (SocketException)
                {
                    return; // an error report, or a reply larger than the TUN's MTU (EMSGSIZE)
                }
                _path._table.Refresh(_app); // replies keep the mapping alive too
                _path.WriteReply(buffer, IcmpEchoReplyBuilder.Headroom, length, NatSocketAddress.Read(_received).Address, _app);
            }
            finally
            {
                _path.ReturnBuffer(buffer);
            }
        }

        public void Dispose()
        {
            _closed.Cancel();
            _socket.Dispose();
        }
    }
}
