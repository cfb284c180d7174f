using BenchmarkDotNet.Attributes;
using SharpTun.Wire;

namespace SharpTun.Benchmarks.Wire;

/// <summary>What the dispatcher does with every TCP SYN: parse IPv4, parse TCP, read the options.</summary>
[ShortRunJob]
[MemoryDiagnoser]
public class ParseBenchmarks
{
    private readonly byte[] _syn = SamplePackets.Ipv4Tcp(TcpFlags.Syn, payloadLength: 0);

    [Benchmark]
    public int ParseIpv4TcpWithOptions()
    {
        if (!Ipv4Packet.TryParse(_syn, out var packet) || packet.Protocol != IpProtocol.Tcp)
            return -1;
        if (!TcpSegment.TryParse(packet.Payload, out var segment) || !segment.TryReadOptions(out var options))
            return -2;
        return segment.DestinationPort + (options.MaximumSegmentSize ?? 0) + (options.WindowScale ?? 0);
    }
}
