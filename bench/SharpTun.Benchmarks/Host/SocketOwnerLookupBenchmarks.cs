using System.Net;
using System.Net.Sockets;
using BenchmarkDotNet.Attributes;
using SharpTun.Host.Processes;

namespace SharpTun.Benchmarks.Host;

/// <summary>
/// What finding a new flow's process costs. <c>Hit</c>: a socket already resolved (sock_diag exact
/// lookup, a readlink to confirm the fd, a readlink of /proc/PID/exe). <c>Miss</c>: a port nobody
/// uses (sock_diag answers ENOENT; no /proc work). <c>SocketOnly</c>: the sock_diag step alone.
/// <c>Scan</c>: one full /proc scan, what a socket in neither cache nor index costs on top of a
/// hit; <c>Uncached</c> is that whole path with a new lookup (netlink socket opened each time).
/// <see cref="ExtraSockets"/> more sockets held by this process show how a scan grows with the
/// machine's open fds (about 900 on the 2-core test VM besides them).
/// </summary>
[ShortRunJob]
[MemoryDiagnoser]
public class SocketOwnerLookupBenchmarks
{
    private readonly List<Socket> _extra = [];
    private readonly ProcSocketScanner _scanner = new();
    private SocketOwnerLookup _lookup = null!;
    private TcpListener _listener = null!;
    private Socket _client = null!;
    private Socket _server = null!;
    private IPEndPoint _source = null!;
    private IPEndPoint _destination = null!;
    private IPEndPoint _unusedSource = null!;

    /// <summary>Sockets opened by the benchmark process on top of the machine's own.</summary>
    [Params(0, 5_000)]
    public int ExtraSockets { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        for (var i = 0; i < ExtraSockets; i++)
            _extra.Add(new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp));
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start();
        _client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        _client.Connect(_listener.LocalEndpoint);
        _server = _listener.AcceptSocket();
        _source = (IPEndPoint)_client.LocalEndPoint!;
        _destination = (IPEndPoint)_client.RemoteEndPoint!;
        using (var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp))
        {
            probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            _unusedSource = (IPEndPoint)probe.LocalEndPoint!;
        }
        _lookup = new SocketOwnerLookup();
        if (Hit() is null)
            throw new InvalidOperationException("the benchmark's own socket was not found");
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _lookup.Dispose();
        _server.Dispose();
        _client.Dispose();
        _listener.Stop();
        foreach (var socket in _extra)
            socket.Dispose();
    }

    [Benchmark(Baseline = true)]
    public SocketOwner? Hit() => _lookup.FindAsync(ProtocolType.Tcp, _source, _destination).GetAwaiter().GetResult();

    [Benchmark]
    public SocketOwner? Miss() => _lookup.FindAsync(ProtocolType.Tcp, _unusedSource, _destination).GetAwaiter().GetResult();

    [Benchmark]
    public bool SocketOnly() => _lookup.TryFindSocket(ProtocolType.Tcp, _source, _destination, out _, out _);

    [Benchmark]
    public int Scan() => _scanner.ScanAll().Count;

    [Benchmark]
    public SocketOwner? Uncached()
    {
        using var lookup = new SocketOwnerLookup();
        return lookup.FindAsync(ProtocolType.Tcp, _source, _destination).GetAwaiter().GetResult();
    }
}
