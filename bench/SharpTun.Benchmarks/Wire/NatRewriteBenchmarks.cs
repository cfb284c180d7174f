using BenchmarkDotNet.Attributes;
using SharpTun.Wire;

namespace SharpTun.Benchmarks.Wire;

/// <summary>
/// The system-stack NAT step: rewrite destination address and port of an IPv4/TCP packet in place,
/// fixing the IP header checksum and the TCP checksum either incrementally (RFC 1624) or by summing
/// again. Every call flips between two destinations, so the packet stays valid across iterations.
/// </summary>
[ShortRunJob]
[MemoryDiagnoser]
public class NatRewriteBenchmarks
{
    private const uint FirstAddress = 0x5DB8D822; // 93.184.216.34
    private const uint SecondAddress = 0x0A000001; // 10.0.0.1, the listener
    private const ushort FirstPort = 443;
    private const ushort SecondPort = 40001;

    private byte[] _packet = [];

    /// <summary>TCP payload bytes: a bare ACK and a full-MTU data segment.</summary>
    [Params(0, 1448)]
    public int PayloadLength { get; set; }

    [GlobalSetup]
    public void Setup() => _packet = SamplePackets.Ipv4Tcp(TcpFlags.Ack | TcpFlags.Psh, PayloadLength);

    [Benchmark(Baseline = true)]
    public ushort Incremental()
    {
        if (!Ipv4Packet.TryParse(_packet, out var packet) || !TcpSegment.TryParse(packet.Payload, out var segment))
            return 0;
        uint oldAddress = packet.Destination;
        uint newAddress = oldAddress == FirstAddress ? SecondAddress : FirstAddress;
        ushort oldPort = segment.DestinationPort;
        ushort newPort = oldPort == FirstPort ? SecondPort : FirstPort;

        packet.Destination = newAddress;
        packet.HeaderChecksum = IncrementalChecksum.Update(packet.HeaderChecksum, oldAddress, newAddress);
        segment.DestinationPort = newPort;
        ushort checksum = IncrementalChecksum.Update(segment.Checksum, oldAddress, newAddress);
        segment.Checksum = IncrementalChecksum.Update(checksum, oldPort, newPort);
        return segment.Checksum;
    }

    [Benchmark]
    public ushort FullRecomputation()
    {
        if (!Ipv4Packet.TryParse(_packet, out var packet) || !TcpSegment.TryParse(packet.Payload, out var segment))
            return 0;
        packet.Destination = packet.Destination == FirstAddress ? SecondAddress : FirstAddress;
        segment.DestinationPort = segment.DestinationPort == FirstPort ? SecondPort : FirstPort;

        packet.UpdateHeaderChecksum();
        segment.UpdateChecksum(packet.PseudoHeaderSum());
        return segment.Checksum;
    }
}
