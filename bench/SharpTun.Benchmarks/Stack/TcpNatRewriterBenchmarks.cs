using System.Net;
using BenchmarkDotNet.Attributes;
using SharpTun.Stack.Nat;
using SharpTun.Wire;

namespace SharpTun.Benchmarks.Stack;

/// <summary>
/// The per-packet cost of the system-stack TCP NAT on an established IPv4 flow: parse, session
/// lookup, in-place rewrite with RFC 1624 checksum updates. Each call copies a fresh packet into the
/// work buffer first (<c>CopyOnly</c> measures that copy alone) and rewrites it, once from the app to
/// the listener (<c>Outbound</c>) and once back (<c>Return</c>); <see cref="Sessions"/> flows are in
/// the table.
/// </summary>
[ShortRunJob]
[MemoryDiagnoser]
public class TcpNatRewriterBenchmarks
{
    private const ushort ListenerPort = 7890;

    private TcpNatRewriter _rewriter = null!;
    private byte[] _outbound = [];
    private byte[] _return = [];
    private readonly byte[] _work = new byte[1500];

    /// <summary>Open sessions in the table.</summary>
    [Params(1, 10_000)]
    public int Sessions { get; set; }

    /// <summary>TCP payload bytes: a bare ACK and a full-MTU data segment.</summary>
    [Params(0, 1448)]
    public int PayloadLength { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var pool = new NatPool(IPNetwork.Parse("198.18.0.0/15"), IPAddress.Parse("198.18.0.1"));
        var table = new TcpNatTable(new TcpNatOptions { ListenerPort = ListenerPort }, pool, null);
        _rewriter = new TcpNatRewriter(table);
        var remote = NatEndpoint.V4(0x5DB8D822, 443); // 93.184.216.34
        TcpNatSession? last = null;
        for (int i = 0; i < Sessions; i++)
        {
            var app = NatEndpoint.V4(0xC6120001, (ushort)(20000 + i)); // 198.18.0.1
            var syn = Packet(app, remote, TcpFlags.Syn, 0);
            _rewriter.Rewrite(syn, out last);
            table.Admit(last!);
            if (_rewriter.Rewrite(syn, out _) != NatVerdict.Forward)
                throw new InvalidOperationException("setup: SYN not forwarded");
        }
        _outbound = Packet(last!.Source, last.Destination, TcpFlags.Ack | TcpFlags.Psh, PayloadLength);
        _return = Packet(NatEndpoint.V4(0xC6120001, ListenerPort), last.VirtualEndpoint, TcpFlags.Ack | TcpFlags.Psh, PayloadLength);
    }

    [Benchmark]
    public int CopyOnly()
    {
        _outbound.CopyTo(_work, 0);
        return _work[0];
    }

    [Benchmark(Baseline = true)]
    public NatVerdict Outbound()
    {
        _outbound.CopyTo(_work, 0);
        return _rewriter.Rewrite(_work.AsSpan(0, _outbound.Length), out _);
    }

    [Benchmark]
    public NatVerdict Return()
    {
        _return.CopyTo(_work, 0);
        return _rewriter.Rewrite(_work.AsSpan(0, _return.Length), out _);
    }

    private static byte[] Packet(NatEndpoint source, NatEndpoint destination, TcpFlags flags, int payloadLength)
    {
        int tcpLength = TcpSegment.MinimumHeaderLength + payloadLength;
        var packet = new byte[Ipv4Packet.MinimumHeaderLength + tcpLength];
        new Ipv4Header { Protocol = IpProtocol.Tcp, DontFragment = true, Source = (uint)source.Address, Destination = (uint)destination.Address, PayloadLength = tcpLength }.Emit(packet);
        var segment = packet.AsSpan(Ipv4Packet.MinimumHeaderLength);
        new TcpHeader { SourcePort = source.Port, DestinationPort = destination.Port, SequenceNumber = 1, AcknowledgmentNumber = 1, Flags = flags, WindowSize = 502 }.Emit(segment);
        TcpSegment.CreateUnchecked(segment).UpdateChecksum(Ipv4Packet.CreateUnchecked(packet).PseudoHeaderSum());
        return packet;
    }
}
