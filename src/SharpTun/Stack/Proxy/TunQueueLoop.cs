using Microsoft.Extensions.Logging;
using SharpTun.Interop;
using SharpTun.Modify;
using SharpTun.Proxy.Relay;
using SharpTun.Stack.Nat;
using SharpTun.Tun;

namespace SharpTun.Stack.Proxy;

/// <summary>Handles one packet read from a TUN queue; returns what to write back (the packet, or <paramref name="spare"/> holding a reply), or null.</summary>
internal delegate PacketBuffer? TunPacketDispatch(PacketBuffer packet, TunQueueLoop loop, PacketBuffer spare);

/// <summary>
/// One TUN queue and the event loop that reads it and relays the TCP flows whose SYN it read. A
/// message from the app is read from the TUN, rewritten, written back (the kernel delivers it to
/// the accepted socket during that write) and read from that socket, all in one wake-up of one
/// thread; an answer from the outbound is sent into the accepted socket and its packets are read
/// from the TUN in the same wake-up (<see cref="EventLoop.RunSoon"/>).
/// </summary>
internal sealed partial class TunQueueLoop : IReadinessHandler, IDisposable
{
    private readonly TunPacketDispatch _dispatch;
    private readonly PcapWriter? _pcap;
    private readonly ILogger _logger;
    private readonly PacketBuffer[] _received, _resets, _outgoing;
    private readonly ConnectionRelay[] _clientData;
    private int _clientDataCount;
    private int _token;

    /// <param name="index">The queue's number, for the thread's name.</param>
    /// <param name="queue">The queue; the loop reads it, and writes what the dispatch returns.</param>
    /// <param name="packetSize">Bytes each read buffer holds after its headroom.</param>
    /// <param name="batchSize">Packets read per wake-up.</param>
    /// <param name="busyPoll">See <see cref="EventLoop"/>.</param>
    /// <param name="dispatch">Handles each packet read.</param>
    /// <param name="pcap">Records every packet read and written, or null.</param>
    /// <param name="logger">Receives read failures.</param>
    public TunQueueLoop(int index, ITunQueue queue, int packetSize, int batchSize, TimeSpan busyPoll, TunPacketDispatch dispatch, PcapWriter? pcap, ILogger logger)
    {
        Queue = queue;
        _dispatch = dispatch;
        _pcap = pcap;
        _logger = logger;
        _received = new PacketBuffer[batchSize];
        _resets = new PacketBuffer[batchSize];
        _outgoing = new PacketBuffer[batchSize];
        _clientData = new ConnectionRelay[batchSize];
        for (var i = 0; i < batchSize; i++)
        {
            _received[i] = new PacketBuffer(PacketBuffer.DefaultHeadroom + packetSize);
            _resets[i] = new PacketBuffer(PacketBuffer.DefaultHeadroom + TcpResetBuilder.MaximumLength);
        }
        Loop = new EventLoop($"tun loop {index}", busyPoll, logger);
        _token = Loop.Register(queue.ReadableHandle, Libc.EPOLLIN, this);
    }

    public ITunQueue Queue { get; }

    /// <summary>Where the DNS server writes an answer it gives at once, before it replaces the query in its buffer.</summary>
    public byte[] DnsScratch { get; } = new byte[SharpTun.Dns.DnsServer.MaximumLocalAnswer];

    /// <summary>The loop that reads the queue, and runs the relays of the flows it saw open.</summary>
    public EventLoop Loop { get; }

    public void Start() => Loop.Start();

    /// <summary>
    /// Notes, while a batch is dispatched, that <paramref name="relay"/>'s client was just sent data
    /// (or a FIN): once the batch is written into the kernel the relay reads it, without waiting for
    /// epoll to report the socket.
    /// </summary>
    public void ExpectClientData(ConnectionRelay relay)
    {
        for (var i = 0; i < _clientDataCount; i++)
        {
            if (_clientData[i] == relay)
                return;
        }
        _clientData[_clientDataCount++] = relay;
    }

    /// <summary>Reads one batch (the loop calls again while more is queued), dispatches it and writes the replies.</summary>
    public void OnReady(uint events)
    {
        if (_token < 0)
            return;
        try
        {
            ReadBatch();
        }
        catch (IOException e)
        {
            // The device is gone (EBADFD) or broken: stop reading it; the relays on this loop go on.
            LogReaderFailed(e.Message);
            Loop.Unregister(Queue.ReadableHandle, _token);
            _token = -1;
        }
        for (var i = 0; i < _clientDataCount; i++)
        {
            _clientData[i].PumpFromClient();
            _clientData[i] = null!;
        }
        _clientDataCount = 0;
    }

    private void ReadBatch()
    {
        var count = Queue.TryRead(_received);
        var writes = 0;
        var resetsUsed = 0;
        for (var i = 0; i < count; i++)
        {
            var buffer = _received[i];
            _pcap?.Write(buffer.Packet);
            var reply = _dispatch(buffer, this, _resets[resetsUsed]);
            if (reply is null)
                continue;
            if (reply == _resets[resetsUsed])
                resetsUsed++;
            _outgoing[writes++] = reply;
            _pcap?.Write(reply.Packet);
        }
        if (writes > 0)
            Queue.Write(_outgoing.AsSpan(0, writes));
        _pcap?.Flush();
    }

    /// <summary>Stops the loop and waits for its thread; the queue belongs to the caller.</summary>
    public void Dispose() => Loop.Dispose();

    [LoggerMessage(Level = LogLevel.Error, Message = "reading the TUN failed: {Message}")]
    private partial void LogReaderFailed(string message);
}
