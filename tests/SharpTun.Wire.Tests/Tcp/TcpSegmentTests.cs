using CsCheck;

namespace SharpTun.Wire.Tests.Tcp;

public sealed class TcpSegmentTests
{
    [Fact]
    public void TryParse_CapturedSyn_ReadsEveryField()
    {
        Assert.True(Ipv4Packet.TryParse(Captured.Ipv4TcpSyn, out var packet));

        Assert.True(TcpSegment.TryParse(packet.Payload, out var segment));

        Assert.Equal(51234, segment.SourcePort);
        Assert.Equal(443, segment.DestinationPort);
        Assert.Equal(0x6b8b4567u, segment.SequenceNumber);
        Assert.Equal(0u, segment.AcknowledgmentNumber);
        Assert.Equal(40, segment.HeaderLength);
        Assert.Equal(TcpFlags.Syn, segment.Flags);
        Assert.Equal(64240, segment.WindowSize);
        Assert.Equal(0xa643, segment.Checksum);
        Assert.Equal(0, segment.UrgentPointer);
        Assert.Equal(20, segment.OptionBytes.Length);
        Assert.True(segment.Payload.IsEmpty);
        Assert.True(segment.IsChecksumValid(packet.PseudoHeaderSum()));
        Assert.Equal(segment.Checksum, segment.ComputeChecksum(packet.PseudoHeaderSum()));
    }

    [Fact]
    public void TryReadOptions_CapturedSyn_ReadsMssSackTimestampsWindowScale()
    {
        Assert.True(Ipv4Packet.TryParse(Captured.Ipv4TcpSyn, out var packet));
        Assert.True(TcpSegment.TryParse(packet.Payload, out var segment));

        Assert.True(segment.TryReadOptions(out var options));

        Assert.Equal((ushort)1460, options.MaximumSegmentSize);
        Assert.True(options.SackPermitted);
        Assert.Equal((0x9a3c51e2u, 0u), options.Timestamps);
        Assert.Equal((byte)7, options.WindowScale);
        Assert.Equal(0, options.SackOptionCount);
    }

    [Fact]
    public void Options_CapturedSyn_EnumeratesInWireOrderSkippingNops()
    {
        Assert.True(Ipv4Packet.TryParse(Captured.Ipv4TcpSyn, out var packet));
        Assert.True(TcpSegment.TryParse(packet.Payload, out var segment));
        var kinds = new List<TcpOptionKind>();

        foreach (var option in segment.Options)
            kinds.Add(option.Kind);

        Assert.Equal([TcpOptionKind.MaximumSegmentSize, TcpOptionKind.SackPermitted, TcpOptionKind.Timestamps, TcpOptionKind.WindowScale], kinds);
    }

    [Fact]
    public void TryParse_EveryTruncationOfTheHeader_ReturnsFalseWithoutThrowing()
    {
        var segment = Captured.Ipv4TcpSyn[20..];
        foreach (int length in Truncation.ShorterLengths(segment))
            Assert.False(TcpSegment.TryParse(segment.AsSpan(0, length), out _), $"length {length}");
    }

    [Theory]
    [InlineData(0)]
    [InlineData(4)]
    [InlineData(11)] // 44 bytes, past the 40-byte segment
    [InlineData(15)]
    public void TryParse_BadDataOffset_ReturnsFalse(int dataOffset)
    {
        var segment = Captured.Ipv4TcpSyn[20..];
        segment[12] = (byte)(dataOffset << 4);

        Assert.False(TcpSegment.TryParse(segment, out _));
    }

    [Fact]
    public void TryParse_RandomBytes_NeverThrows()
    {
        Gen.Byte.Array[0, 80].Sample(bytes =>
        {
            if (TcpSegment.TryParse(bytes, out var segment))
            {
                segment.TryReadOptions(out _);
                Assert.True(segment.Payload.Length >= 0);
            }
        }, iter: 20000);
    }

    [Fact]
    public void Setters_WriteFieldsInPlace()
    {
        var bytes = Captured.Ipv4TcpSyn[20..];
        Assert.True(TcpSegment.TryParse(bytes, out var segment));

        segment.SourcePort = 1;
        segment.DestinationPort = 65535;
        segment.SequenceNumber = 0xFFFFFFFF;
        segment.AcknowledgmentNumber = 42;
        segment.Flags = TcpFlags.Syn | TcpFlags.Ack | TcpFlags.Ece | TcpFlags.Cwr;
        segment.WindowSize = 1024;
        segment.UrgentPointer = 7;

        Assert.Equal(1, segment.SourcePort);
        Assert.Equal(65535, segment.DestinationPort);
        Assert.Equal(0xFFFFFFFFu, segment.SequenceNumber);
        Assert.Equal(42u, segment.AcknowledgmentNumber);
        Assert.Equal(TcpFlags.Syn | TcpFlags.Ack | TcpFlags.Ece | TcpFlags.Cwr, segment.Flags);
        Assert.Equal(0xD2, bytes[13]);
        Assert.Equal(40, segment.HeaderLength);
        Assert.Equal(1024, segment.WindowSize);
        Assert.Equal(7, segment.UrgentPointer);
    }

    [Fact]
    public void Emit_ThenParse_RoundTripsHeaderOptionsAndChecksum()
    {
        var gen =
            from sourcePort in Gen.UShort
            from destinationPort in Gen.UShort
            from sequence in Gen.UInt
            from acknowledgment in Gen.UInt
            from flags in Gen.Byte
            from window in Gen.UShort
            from urgent in Gen.UShort
            from mss in Gen.UShort
            from scale in Gen.Byte[0, 14]
            from timestamp in Gen.UInt
            from echo in Gen.UInt
            from payload in Gen.Byte.Array[0, 64]
            select (new TcpHeader
            {
                SourcePort = sourcePort,
                DestinationPort = destinationPort,
                SequenceNumber = sequence,
                AcknowledgmentNumber = acknowledgment,
                Flags = (TcpFlags)flags,
                WindowSize = window,
                UrgentPointer = urgent,
            }, new TcpOptionSet
            {
                MaximumSegmentSize = mss,
                WindowScale = scale,
                SackPermitted = true,
                Timestamps = (timestamp, echo),
            }, payload);
        gen.Sample((header, expectedOptions, payload) =>
        {
            Span<byte> options = stackalloc byte[TcpOptionWriter.MaximumLength];
            var writer = new TcpOptionWriter(options);
            writer.WriteMaximumSegmentSize(expectedOptions.MaximumSegmentSize!.Value);
            writer.WriteSackPermitted();
            writer.WriteTimestamps(expectedOptions.Timestamps!.Value.Value, expectedOptions.Timestamps.Value.EchoReply);
            writer.WriteWindowScale(expectedOptions.WindowScale!.Value);
            int optionsLength = writer.PadToWordBoundary();
            var buffer = new byte[TcpSegment.MinimumHeaderLength + optionsLength + payload.Length];
            byte[] source = [10, 0, 0, 1];
            byte[] destination = [10, 0, 0, 2];
            uint pseudo = PseudoHeader.SumV4(source, destination, (byte)IpProtocol.Tcp, buffer.Length);

            int headerLength = header.Emit(buffer, options[..optionsLength]);
            payload.CopyTo(buffer, headerLength);
            TcpSegment.CreateUnchecked(buffer).UpdateChecksum(pseudo);

            Assert.Equal(20 + optionsLength, headerLength);
            Assert.True(TcpSegment.TryParse(buffer, out var segment));
            Assert.Equal(header, segment.ToHeader());
            Assert.True(segment.TryReadOptions(out var readOptions));
            Assert.Equal(expectedOptions, readOptions);
            Assert.Equal(payload, segment.Payload.ToArray());
            Assert.True(segment.IsChecksumValid(pseudo));
        }, iter: 2000);
    }

    [Fact]
    public void Emit_OptionsNotMultipleOfFour_Throws()
    {
        Assert.Throws<ArgumentException>(() => new TcpHeader().Emit(new byte[60], new byte[3]));
        Assert.Throws<ArgumentException>(() => new TcpHeader().Emit(new byte[64], new byte[44]));
    }
}
