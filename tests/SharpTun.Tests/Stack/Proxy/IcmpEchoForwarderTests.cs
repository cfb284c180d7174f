using System.Net;
using Microsoft.Extensions.Logging.Abstractions;
using SharpTun.Proxy.Outbounds;
using SharpTun.Stack.Nat;
using SharpTun.Stack.Proxy;
using SharpTun.TestSupport;
using SharpTun.Tests.Stack.Nat;
using SharpTun.Tests.Tun;
using SharpTun.Tun;
using SharpTun.Wire;

namespace SharpTun.Tests.Stack.Proxy;

/// <summary>
/// <c>--icmp forward</c> in a namespace of the test's own, pinging the namespace's loopback: with
/// ping sockets where net.ipv4.ping_group_range allows them, with a raw socket where it does not
/// (the default "1 0" of a new namespace).
/// </summary>
public sealed class IcmpEchoForwarderTests : IDisposable
{
    private const ushort AppIdentifier = 0x3f24;
    private static readonly IPAddress AppV4 = IPAddress.Parse("10.77.0.2");
    private static readonly IPAddress AppV6 = IPAddress.Parse("fd00:77::2");

    private readonly TestNamespace _ns = TestNamespace.Create();
    private readonly RunningTasks _tasks = new();

    public void Dispose() => _ns.Dispose();

    private void AllowPingSockets() => Run.Checked($"ip netns exec {_ns.Name} sysctl -qw net.ipv4.ping_group_range=0\t2147483647");

    private IcmpEchoForwarder CreateInside(ITunQueue replies, TimeProvider? time = null) =>
        _ns.RunInside(() => new IcmpEchoForwarder(replies, 1500, OutboundSocketOptions.None, null, _tasks, NullLogger.Instance, time));

    [Theory]
    [InlineData(true, false)]
    [InlineData(true, true)]
    [InlineData(false, false)]
    [InlineData(false, true)]
    public void Forward_EchoToLoopback_ReplyReachesTheAppWithItsIdentifierAndSequence(bool pingSockets, bool ipv6)
    {
        if (pingSockets)
            AllowPingSockets();
        var tun = new MemoryTunQueue();
        using var forwarder = CreateInside(tun);
        var expectedKind = pingSockets ? IcmpEchoSocketKind.Ping : IcmpEchoSocketKind.Raw;
        Assert.Equal(expectedKind, ipv6 ? forwarder.Ipv6Kind : forwarder.Ipv4Kind);
        var remote = ipv6 ? IPAddress.IPv6Loopback : IPAddress.Loopback;
        var request = EchoRequest(ipv6 ? AppV6 : AppV4, remote, AppIdentifier, 7, "ping data"u8);

        Assert.True(_ns.RunInside(() => forwarder.Forward(request.ToArray())));

        var reply = WaitForReply(tun);
        AssertEchoReply(reply, remote, ipv6 ? AppV6 : AppV4, AppIdentifier, 7, "ping data"u8);
        Assert.Equal(1, forwarder.Replies);
    }

    [Fact]
    public void Forward_NoRouteToDestination_ReturnsFalseAndKeepsNoMapping()
    {
        AllowPingSockets();
        var tun = new MemoryTunQueue();
        using var forwarder = CreateInside(tun);

        for (ushort id = 1; id <= 20; id++)
            Assert.False(_ns.RunInside(() => forwarder.Forward(EchoRequest(AppV4, IPAddress.Parse("10.99.0.1"), id, 1, "x"u8))));

        Assert.Equal(0, forwarder.Mappings);
        Assert.Equal(20, forwarder.Dropped);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Forward_DestinationThatNeverAnswers_MappingsEndWhenIdle(bool pingSockets)
    {
        if (pingSockets)
            AllowPingSockets();
        // A veth whose peer is down swallows everything sent to its subnet: the sends succeed
        // (neighbour discovery queues them), no reply ever comes.
        _ns.Ip("link add silent0 type veth peer name silent1");
        _ns.Ip("addr add 10.98.0.1/24 dev silent0");
        _ns.Ip("link set silent0 up");
        var time = new ManualTimeProvider();
        var tun = new MemoryTunQueue();
        using var forwarder = CreateInside(tun, time);

        for (ushort id = 1; id <= 20; id++)
            Assert.True(_ns.RunInside(() => forwarder.Forward(EchoRequest(AppV4, IPAddress.Parse("10.98.0.2"), id, 1, "x"u8))));
        Assert.Equal(20, forwarder.Mappings);

        time.Advance(new IcmpForwardingOptions().IdleTimeout);
        forwarder.ExpireIdle();

        Assert.Equal(0, forwarder.Mappings);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void ForwardAndReplies_SteadyPing_AllocateNothingPerEcho(bool pingSockets)
    {
        const int Echoes = 300, Burst = 20;
        if (pingSockets)
            AllowPingSockets();
        var tun = new AllocationRecordingTunQueue(Echoes + Burst);
        using var forwarder = CreateInside(tun);
        var request = EchoRequest(AppV4, IPAddress.Loopback, AppIdentifier, 1, new byte[56]);
        var packet = new byte[request.Length];

        var sendBytes = _ns.RunInside(() =>
        {
            // A burst at a time: the kernel answers loopback at once, so the receive loop finds the
            // replies queued and goes from one to the next without waiting.
            void SendBurst()
            {
                for (var i = 0; i < Burst; i++)
                {
                    request.CopyTo(packet, 0); // forwarding may rewrite the packet in place
                    forwarder.Forward(packet);
                }
            }
            SendBurst(); // warm-up: the mapping, JIT
            var sent = Burst;
            var fewest = Allocations.FewestBytes(() =>
            {
                SendBurst();
                sent += Burst;
                var deadline = DateTime.UtcNow.AddSeconds(10);
                while (tun.Count < sent && DateTime.UtcNow < deadline)
                    Thread.Sleep(1);
            }, attempts: (Echoes / Burst) - 1);
            return fewest;
        });

        Assert.Equal(Echoes, tun.Count);
        Assert.Equal(0, sendBytes);
        Assert.Equal(0, tun.FewestBytesBetweenWrites());
    }

    [Fact]
    public void Forward_NotAnEchoRequest_IsIgnored()
    {
        var tun = new MemoryTunQueue();
        using var forwarder = CreateInside(tun);
        var reply = EchoRequest(AppV4, IPAddress.Loopback, AppIdentifier, 1, "x"u8);
        reply[20] = (byte)IcmpV4Type.EchoReply;

        Assert.False(forwarder.Forward(reply));
        Assert.False(forwarder.Forward(new byte[] { 0x45, 0x00 }));

        Assert.Equal(2, forwarder.Ignored);
        Assert.Equal(0, forwarder.Mappings);
    }

    private static byte[] WaitForReply(MemoryTunQueue tun)
    {
        var deadline = DateTime.UtcNow.AddSeconds(5);
        byte[] packet;
        while (!tun.TryTakeWritten(out packet))
        {
            Assert.True(DateTime.UtcNow < deadline, "no echo reply was written into the TUN");
            Thread.Sleep(5);
        }
        return packet;
    }

    /// <summary>An ICMP or ICMPv6 echo request with valid checksums, as an app's ping sends it.</summary>
    private static byte[] EchoRequest(IPAddress source, IPAddress destination, ushort identifier, ushort sequence, ReadOnlySpan<byte> data)
    {
        var ipv6 = source.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6;
        var headerLength = ipv6 ? Ipv6Packet.HeaderLength : Ipv4Packet.MinimumHeaderLength;
        var packet = new byte[headerLength + 8 + data.Length];
        var message = packet.AsSpan(headerLength);
        data.CopyTo(message[8..]);
        if (ipv6)
        {
            new Ipv6Header { NextHeader = IpProtocol.IcmpV6, Source = Number(source), Destination = Number(destination), PayloadLength = message.Length }.Emit(packet);
            IcmpV6Header.Echo(IcmpV6Type.EchoRequest, identifier, sequence).Emit(message);
            IcmpV6Packet.CreateUnchecked(message).UpdateChecksum(Ipv6Packet.CreateUnchecked(packet).PseudoHeaderSum());
        }
        else
        {
            new Ipv4Header { Protocol = IpProtocol.Icmp, Source = (uint)Number(source), Destination = (uint)Number(destination), PayloadLength = message.Length }.Emit(packet);
            IcmpV4Header.Echo(IcmpV4Type.EchoRequest, identifier, sequence).Emit(message);
            IcmpV4Packet.CreateUnchecked(message).UpdateChecksum();
        }
        return packet;
    }

    private static UInt128 Number(IPAddress address) => NatEndpoint.FromIPAddress(address, 0).Address;

    private static void AssertEchoReply(byte[] packet, IPAddress from, IPAddress to, ushort identifier, ushort sequence, ReadOnlySpan<byte> data)
    {
        if (from.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6)
        {
            Assert.True(Ipv6Packet.TryParse(packet, out var ip));
            Assert.Equal(from, ip.GetSourceIPAddress());
            Assert.Equal(to, ip.GetDestinationIPAddress());
            Assert.True(IcmpV6Packet.TryParse(ip.UpperLayerPayload, out var icmp));
            Assert.True(icmp.IsChecksumValid(ip.PseudoHeaderSum()));
            Assert.Equal(IcmpV6Type.EchoReply, icmp.Type);
            Assert.Equal(identifier, icmp.Identifier);
            Assert.Equal(sequence, icmp.SequenceNumber);
            Assert.Equal(data.ToArray(), icmp.Data.ToArray());
        }
        else
        {
            Assert.True(Ipv4Packet.TryParse(packet, out var ip));
            Assert.True(ip.IsHeaderChecksumValid);
            Assert.Equal(from, ip.GetSourceIPAddress());
            Assert.Equal(to, ip.GetDestinationIPAddress());
            Assert.True(IcmpV4Packet.TryParse(ip.Payload, out var icmp));
            Assert.True(icmp.IsChecksumValid);
            Assert.Equal(IcmpV4Type.EchoReply, icmp.Type);
            Assert.Equal(identifier, icmp.Identifier);
            Assert.Equal(sequence, icmp.SequenceNumber);
            Assert.Equal(data.ToArray(), icmp.Data.ToArray());
        }
    }
}
