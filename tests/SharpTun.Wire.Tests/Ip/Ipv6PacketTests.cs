using System.Buffers.Binary;
using System.Net;
using CsCheck;

namespace SharpTun.Wire.Tests.Ip;

public sealed class Ipv6PacketTests
{
    private static readonly UInt128 DocumentationOne = UInt128.Parse("42540766411282592856903984951653826561"); // 2001:db8::1

    [Fact]
    public void TryParse_CapturedHopByHopFragmentUdp_WalksToUdp()
    {
        var bytes = Captured.Ipv6HopByHopFragmentUdp;

        Assert.True(Ipv6Packet.TryParse(bytes, out var packet));

        Assert.Equal(0x0a, packet.TrafficClass);
        Assert.Equal(0x12345u, packet.FlowLabel);
        Assert.Equal(28, packet.PayloadLength);
        Assert.Equal(IpProtocol.HopByHopOptions, packet.NextHeader);
        Assert.Equal(64, packet.HopLimit);
        Assert.Equal(IPAddress.Parse("2001:db8::1"), packet.GetSourceIPAddress());
        Assert.Equal(IPAddress.Parse("2001:db8::2"), packet.GetDestinationIPAddress());
        Assert.Equal(DocumentationOne, packet.Source);
        Assert.Equal(IpProtocol.Udp, packet.UpperLayerProtocol);
        Assert.Equal(56, packet.UpperLayerOffset);
        Assert.Equal(12, packet.UpperLayerPayload.Length);
        Assert.True(packet.HasFragmentHeader);
        Assert.False(packet.IsFragment);
        Assert.Equal(0x12345678u, packet.FragmentIdentification);
        Assert.Equal(0, packet.FragmentOffset);
        Assert.False(packet.MoreFragments);
        Assert.True(UdpDatagram.TryParse(packet.UpperLayerPayload, out var udp));
        Assert.True(udp.IsChecksumValid(packet.PseudoHeaderSum()));
    }

    [Fact]
    public void FragmentInfo_NonFirstFragment_ReadsOffsetAndMoreFlag()
    {
        var bytes = Captured.Ipv6HopByHopFragmentUdp;
        // Fragment Offset 185 (1480 bytes), M set.
        BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(48 + 2), (185 << 3) | 1);

        Assert.True(Ipv6Packet.TryParse(bytes, out var packet));

        Assert.True(packet.IsFragment);
        Assert.Equal(185, packet.FragmentOffset);
        Assert.True(packet.MoreFragments);
    }

    [Fact]
    public void TryParse_NoFragmentHeader_ReportsNoFragment()
    {
        Assert.True(Ipv6Packet.TryParse(Captured.Ipv6IcmpEchoRequest, out var packet));

        Assert.False(packet.HasFragmentHeader);
        Assert.False(packet.IsFragment);
        Assert.Equal(0u, packet.FragmentIdentification);
        Assert.Equal(IpProtocol.IcmpV6, packet.UpperLayerProtocol);
        Assert.Equal(40, packet.UpperLayerOffset);
    }

    [Fact]
    public void TryParse_TrailingPadding_IsNotPartOfThePacket()
    {
        var bytes = new byte[Captured.Ipv6IcmpEchoRequest.Length + 10];
        Captured.Ipv6IcmpEchoRequest.CopyTo(bytes, 0);

        Assert.True(Ipv6Packet.TryParse(bytes, out var packet));

        Assert.Equal(Captured.Ipv6IcmpEchoRequest.Length, packet.Bytes.Length);
    }

    [Fact]
    public void TryParse_EveryTruncation_ReturnsFalseWithoutThrowing()
    {
        foreach (var sample in new[] { Captured.Ipv6HopByHopFragmentUdp, Captured.Ipv6IcmpEchoRequest })
        {
            foreach (int length in Truncation.ShorterLengths(sample))
                Assert.False(Ipv6Packet.TryParse(sample.AsSpan(0, length), out _), $"length {length}");
        }
    }

    [Fact]
    public void TryParse_PayloadLengthShrunkIntoExtensionHeaders_ReturnsFalse()
    {
        var sample = Captured.Ipv6HopByHopFragmentUdp;
        for (int payloadLength = 0; payloadLength < 16; payloadLength++)
        {
            BinaryPrimitives.WriteUInt16BigEndian(sample.AsSpan(4), (ushort)payloadLength);
            Assert.False(Ipv6Packet.TryParse(sample, out _), $"payload length {payloadLength}");
        }
    }

    [Fact]
    public void TryParse_PayloadLengthBeyondBuffer_ReturnsFalse()
    {
        var bytes = Captured.Ipv6IcmpEchoRequest;
        BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(4), 17);

        Assert.False(Ipv6Packet.TryParse(bytes, out _));
    }

    [Fact]
    public void TryParse_WrongVersion_ReturnsFalse()
    {
        var bytes = Captured.Ipv6IcmpEchoRequest;
        bytes[0] = 0x40;

        Assert.False(Ipv6Packet.TryParse(bytes, out _));
    }

    [Fact]
    public void TryParse_HopByHopAfterAnotherHeader_ReturnsFalse()
    {
        // RFC 8200 §4.3: Hop-by-Hop may only follow the IPv6 header; a chain pointing back at it is
        // the shape of a loop.
        var bytes = Build([(IpProtocol.DestinationOptions, 0), (IpProtocol.HopByHopOptions, 0)], IpProtocol.Udp, 8);

        Assert.False(Ipv6Packet.TryParse(bytes, out _));
    }

    [Fact]
    public void TryParse_TwoFragmentHeaders_ReturnsFalse()
    {
        var bytes = Build([(IpProtocol.Fragment, 0), (IpProtocol.Fragment, 0)], IpProtocol.Udp, 8);

        Assert.False(Ipv6Packet.TryParse(bytes, out _));
    }

    [Fact]
    public void TryParse_TooManyExtensionHeaders_ReturnsFalse()
    {
        var headers = Enumerable.Repeat((IpProtocol.DestinationOptions, 0), Ipv6Packet.MaximumExtensionHeaders + 1).ToArray();

        Assert.False(Ipv6Packet.TryParse(Build(headers, IpProtocol.Tcp, 20), out _));
        Assert.True(Ipv6Packet.TryParse(Build(headers[1..], IpProtocol.Tcp, 20), out var packet));
        Assert.Equal(IpProtocol.Tcp, packet.UpperLayerProtocol);
    }

    [Fact]
    public void TryParse_ExtensionLengthBeyondPayload_ReturnsFalse()
    {
        var bytes = Build([(IpProtocol.Routing, 0)], IpProtocol.Udp, 8);
        bytes[40 + 1] = 2; // claims 24 bytes; only 16 remain

        Assert.False(Ipv6Packet.TryParse(bytes, out _));
    }

    [Fact]
    public void TryParse_RoutingDestinationOptionsAndAuthenticationHeader_UsesEachLengthRule()
    {
        // AH with Payload Len 4 is (4 + 2) × 4 = 24 bytes (RFC 4302 §2.2); the others are (n + 1) × 8.
        var bytes = Build([(IpProtocol.HopByHopOptions, 1), (IpProtocol.Routing, 0), (IpProtocol.AuthenticationHeader, 4), (IpProtocol.DestinationOptions, 2)], IpProtocol.Tcp, 20);

        Assert.True(Ipv6Packet.TryParse(bytes, out var packet));

        Assert.Equal(IpProtocol.Tcp, packet.UpperLayerProtocol);
        Assert.Equal(40 + 16 + 8 + 24 + 24, packet.UpperLayerOffset);
        Assert.Equal(20, packet.UpperLayerPayload.Length);
    }

    [Fact]
    public void TryParse_NoNextHeader_StopsThere()
    {
        var bytes = Build([(IpProtocol.DestinationOptions, 0)], IpProtocol.NoNextHeader, 4);

        Assert.True(Ipv6Packet.TryParse(bytes, out var packet));

        Assert.Equal(IpProtocol.NoNextHeader, packet.UpperLayerProtocol);
        Assert.Equal(48, packet.UpperLayerOffset);
    }

    [Fact]
    public void TryParse_Esp_StopsBecauseTheRestIsEncrypted()
    {
        var bytes = Build([], IpProtocol.EncapsulatingSecurityPayload, 16);

        Assert.True(Ipv6Packet.TryParse(bytes, out var packet));

        Assert.Equal(IpProtocol.EncapsulatingSecurityPayload, packet.UpperLayerProtocol);
        Assert.Equal(40, packet.UpperLayerOffset);
    }

    [Fact]
    public void TryParse_RandomBytes_NeverThrows()
    {
        byte[] chainKinds = [0, 43, 44, 51, 59, 60, 6, 17];
        Gen.Byte.Array[0, 200].Sample(bytes =>
        {
            if (bytes.Length >= 40)
            {
                bytes[0] = (byte)(0x60 | (bytes[0] & 0x0F));
                BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(4), (ushort)(bytes[4] % (bytes.Length - 39)));
                for (int i = 6; i < bytes.Length; i += 8)
                    bytes[i] = chainKinds[bytes[i] % chainKinds.Length];
            }
            if (Ipv6Packet.TryParse(bytes, out var packet))
                Assert.InRange(packet.UpperLayerOffset, 40, packet.Bytes.Length);
        }, iter: 20000);
    }

    [Fact]
    public void CreateUnchecked_MalformedChain_Throws()
    {
        var bytes = Build([(IpProtocol.Routing, 0)], IpProtocol.Udp, 8);
        bytes[40 + 1] = 9;

        Assert.Throws<ArgumentException>(() => Ipv6Packet.CreateUnchecked(bytes));
    }

    [Fact]
    public void Setters_WriteFieldsInPlace()
    {
        var bytes = Captured.Ipv6IcmpEchoRequest;
        Assert.True(Ipv6Packet.TryParse(bytes, out var packet));

        packet.TrafficClass = 0xB8;
        packet.FlowLabel = 0xFFFFF;
        packet.HopLimit = 1;
        packet.SwapAddresses();

        Assert.Equal(0xB8, packet.TrafficClass);
        Assert.Equal(0xFFFFFu, packet.FlowLabel);
        Assert.Equal(6, bytes[0] >> 4);
        Assert.Equal(1, packet.HopLimit);
        Assert.Equal(IPAddress.Parse("2001:db8::2"), packet.GetSourceIPAddress());
        Assert.Equal(IPAddress.Parse("2001:db8::1"), packet.GetDestinationIPAddress());
    }

    [Fact]
    public void Emit_ThenParse_RoundTrips()
    {
        var gen =
            from trafficClass in Gen.Byte
            from flowLabel in Gen.UInt[0, 0xFFFFF]
            from payloadLength in Gen.Int[0, 300]
            from hopLimit in Gen.Byte
            from source in Gen.ULong.Array[2]
            from destination in Gen.ULong.Array[2]
            select new Ipv6Header
            {
                TrafficClass = trafficClass,
                FlowLabel = flowLabel,
                PayloadLength = payloadLength,
                NextHeader = IpProtocol.Udp,
                HopLimit = hopLimit,
                Source = new UInt128(source[0], source[1]),
                Destination = new UInt128(destination[0], destination[1]),
            };
        gen.Sample(header =>
        {
            var buffer = new byte[Ipv6Packet.HeaderLength + header.PayloadLength];

            Assert.Equal(40, header.Emit(buffer));

            Assert.True(Ipv6Packet.TryParse(buffer, out var packet));
            Assert.Equal(header, packet.ToHeader());
            Assert.Equal(IpProtocol.Udp, packet.UpperLayerProtocol);
        }, iter: 2000);
    }

    // An IPv6 packet with the given extension headers (kind, Header Extension Length) and an
    // upper-layer payload of zeros.
    private static byte[] Build((IpProtocol Kind, int Length)[] extensions, IpProtocol upper, int upperLength)
    {
        int HeaderBytes((IpProtocol Kind, int Length) e) => e.Kind switch
        {
            IpProtocol.Fragment => 8,
            IpProtocol.AuthenticationHeader => (e.Length + 2) * 4,
            _ => (e.Length + 1) * 8,
        };
        int payloadLength = extensions.Sum(HeaderBytes) + upperLength;
        var bytes = new byte[Ipv6Packet.HeaderLength + payloadLength];
        new Ipv6Header
        {
            PayloadLength = payloadLength,
            NextHeader = extensions.Length > 0 ? extensions[0].Kind : upper,
            Source = DocumentationOne,
            Destination = DocumentationOne + 1,
        }.Emit(bytes);
        int offset = Ipv6Packet.HeaderLength;
        for (int i = 0; i < extensions.Length; i++)
        {
            bytes[offset] = (byte)(i + 1 < extensions.Length ? extensions[i + 1].Kind : upper);
            bytes[offset + 1] = (byte)extensions[i].Length;
            offset += HeaderBytes(extensions[i]);
        }
        return bytes;
    }
}
