using System.Net;
using SharpTun.Tun;
using SharpTun.Vpn.Transport;

namespace SharpTun.Tests.Vpn;

/// <summary>An in-memory UDP network for device tests: transports registered by endpoint deliver to each other.</summary>
internal sealed class MemoryNetwork
{
    private readonly Lock _lock = new();
    private readonly Dictionary<WireGuardEndpoint, MemoryTransport> _transports = [];

    /// <summary>Called for every datagram in flight; return false to lose it (tests drop, count or capture).</summary>
    public Func<WireGuardEndpoint, WireGuardEndpoint, byte[], bool>? Filter { get; set; }

    public MemoryTransport Create(string address, int port)
    {
        var transport = new MemoryTransport(this, WireGuardEndpoint.From(new IPEndPoint(IPAddress.Parse(address), port)));
        lock (_lock)
            _transports[transport.LocalEndpoint] = transport;
        return transport;
    }

    /// <summary>Moves a transport to a new address (roaming): later sends come from there.</summary>
    public void Move(MemoryTransport transport, string address, int port)
    {
        lock (_lock)
        {
            _transports.Remove(transport.LocalEndpoint);
            transport.LocalEndpoint = WireGuardEndpoint.From(new IPEndPoint(IPAddress.Parse(address), port));
            _transports[transport.LocalEndpoint] = transport;
        }
    }

    public void Deliver(WireGuardEndpoint from, WireGuardEndpoint to, byte[] datagram)
    {
        if (Filter is { } filter && !filter(from, to, datagram))
            return;
        MemoryTransport? target;
        lock (_lock)
            _transports.TryGetValue(to, out target);
        target?.Enqueue(datagram, from);
    }
}

internal sealed class MemoryTransport : IWireGuardTransport
{
    private readonly MemoryNetwork _network;
    private readonly object _lock = new();
    private readonly Queue<(byte[] Data, WireGuardEndpoint Source)> _queue = new();
    private bool _closed;
    private bool _waiting;

    public MemoryTransport(MemoryNetwork network, WireGuardEndpoint local)
    {
        _network = network;
        LocalEndpoint = local;
    }

    public WireGuardEndpoint LocalEndpoint { get; set; }

    public int LocalPort => LocalEndpoint.Port;

    /// <summary>True while the receiver waits on an empty queue: everything sent here has been taken in.</summary>
    public bool IsIdle
    {
        get
        {
            lock (_lock)
                return _closed || (_waiting && _queue.Count == 0);
        }
    }

    /// <summary>Injects a datagram as if <paramref name="source"/> had sent it.</summary>
    public void Enqueue(byte[] datagram, WireGuardEndpoint source)
    {
        lock (_lock)
        {
            if (_closed)
                return;
            _queue.Enqueue((datagram, source));
            Monitor.PulseAll(_lock);
        }
    }

    public int Receive(Span<PacketBuffer> datagrams, Span<WireGuardEndpoint> sources)
    {
        lock (_lock)
        {
            while (_queue.Count == 0 && !_closed)
            {
                _waiting = true;
                Monitor.Wait(_lock);
                _waiting = false;
            }
            if (_closed)
                return 0;
            var count = 0;
            while (count < datagrams.Length && _queue.TryDequeue(out var item))
            {
                var buffer = datagrams[count];
                item.Data.CopyTo(buffer.ReadSpace);
                buffer.Offset = buffer.Headroom;
                buffer.Length = item.Data.Length;
                sources[count] = item.Source;
                count++;
            }
            return count;
        }
    }

    public void Send(ReadOnlySpan<PacketBuffer> datagrams, ReadOnlySpan<WireGuardEndpoint> destinations)
    {
        for (var i = 0; i < datagrams.Length; i++)
            _network.Deliver(LocalEndpoint, destinations[i], datagrams[i].Packet.ToArray());
    }

    public void Close()
    {
        lock (_lock)
        {
            _closed = true;
            Monitor.PulseAll(_lock);
        }
    }

    public void Dispose() => Close();
}
