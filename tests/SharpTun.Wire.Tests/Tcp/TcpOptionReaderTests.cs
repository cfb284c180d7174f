namespace SharpTun.Wire.Tests.Tcp;

public sealed class TcpOptionReaderTests
{
    [Theory]
    [InlineData(new byte[] { 2, 0, 0, 0 })]             // length 0
    [InlineData(new byte[] { 2, 1, 0, 0 })]             // length 1
    [InlineData(new byte[] { 2, 8, 5, 0xb4 })]          // length beyond the options
    [InlineData(new byte[] { 1, 1, 1, 2 })]             // kind with no length byte
    [InlineData(new byte[] { 2, 3, 5, 1 })]             // MSS must be 4
    [InlineData(new byte[] { 3, 4, 7, 1 })]             // window scale must be 3
    [InlineData(new byte[] { 4, 3, 0, 1 })]             // SACK permitted must be 2
    [InlineData(new byte[] { 8, 6, 0, 0, 0, 0, 1, 1 })] // timestamps must be 10
    [InlineData(new byte[] { 5, 6, 0, 0, 0, 0, 1, 1 })] // SACK must be 2 + 8n
    [InlineData(new byte[] { 99, 1, 1, 1 })]            // unknown kind, length 1
    [InlineData(new byte[] { 99, 0 })]                  // unknown kind, length 0
    public void TryReadOptions_MalformedLength_ReturnsFalse(byte[] optionBytes)
    {
        var reader = new TcpOptionReader(optionBytes);
        while (reader.MoveNext())
        {
        }

        Assert.True(reader.IsMalformed);
        Assert.False(Segment(optionBytes, out _).TryReadOptions(out _));
    }

    [Fact]
    public void MoveNext_OptionsBeforeMalformedOne_AreStillReturned()
    {
        byte[] optionBytes = [2, 4, 5, 0xb4, 3, 1, 0, 0];

        Assert.False(Segment(optionBytes, out _).TryReadOptions(out var options));

        Assert.Equal((ushort)1460, options.MaximumSegmentSize);
        Assert.Null(options.WindowScale);
    }

    [Fact]
    public void MoveNext_UnknownKind_IsReturnedWithDataAndSkipped()
    {
        // Kind 30 (MPTCP) with 4 data bytes, then window scale.
        byte[] optionBytes = [30, 6, 1, 2, 3, 4, 3, 3, 9, 0, 0, 0];
        var reader = new TcpOptionReader(optionBytes);

        Assert.True(reader.MoveNext());
        Assert.Equal((TcpOptionKind)30, reader.Current.Kind);
        Assert.Equal(new byte[] { 1, 2, 3, 4 }, reader.Current.Data.ToArray());
        Assert.True(reader.MoveNext());
        Assert.Equal(TcpOptionKind.WindowScale, reader.Current.Kind);
        Assert.Equal(9, reader.Current.WindowScale);
        Assert.False(reader.MoveNext());
        Assert.False(reader.IsMalformed);
    }

    [Fact]
    public void MoveNext_EndOfOptionList_StopsEvenBeforeGarbage()
    {
        byte[] optionBytes = [1, 0, 2, 0];
        var reader = new TcpOptionReader(optionBytes);

        Assert.False(reader.MoveNext());
        Assert.False(reader.IsMalformed);
    }

    [Fact]
    public void MoveNext_SackBlocks_ReadsEdges()
    {
        byte[] optionBytes = [1, 1, 5, 18, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 1, 0, 0, 0, 2, 0];
        var reader = new TcpOptionReader(optionBytes);

        Assert.True(reader.MoveNext());
        var sack = reader.Current;
        Assert.Equal(TcpOptionKind.Sack, sack.Kind);
        Assert.Equal(2, sack.SackBlockCount);
        Assert.Equal((1u, 2u), sack.GetSackBlock(0));
        Assert.Equal((256u, 512u), sack.GetSackBlock(1));
        Assert.Equal(1, Segment(optionBytes, out _).TryReadOptions(out var options) ? options.SackOptionCount : -1);
    }

    [Fact]
    public void Writer_LinuxSynOptions_MatchCapturedBytes()
    {
        Span<byte> options = stackalloc byte[TcpOptionWriter.MaximumLength];
        var writer = new TcpOptionWriter(options);

        writer.WriteMaximumSegmentSize(1460);
        writer.WriteSackPermitted();
        writer.WriteTimestamps(0x9a3c51e2, 0);
        writer.WriteNoOperation();
        writer.WriteWindowScale(7);
        int length = writer.PadToWordBoundary();

        Assert.Equal(Captured.Ipv4TcpSyn[40..], writer.Written.ToArray());
        Assert.Equal(20, length);
    }

    [Fact]
    public void Writer_PadToWordBoundary_AppendsNops()
    {
        Span<byte> options = stackalloc byte[8];
        var writer = new TcpOptionWriter(options);

        writer.WriteWindowScale(2);

        Assert.Equal(4, writer.PadToWordBoundary());
        Assert.Equal(new byte[] { 3, 3, 2, 1 }, writer.Written.ToArray());
    }

    [Fact]
    public void Writer_Overflow_Throws()
    {
        var options = new byte[6];

        Assert.Throws<ArgumentException>(() =>
        {
            var writer = new TcpOptionWriter(options);
            writer.WriteMaximumSegmentSize(1460);
            writer.WriteWindowScale(7);
        });
    }

    // A TCP segment whose options area holds optionBytes padded to a 4-byte multiple with zeros
    // (End of Option List).
    private static TcpSegment Segment(byte[] optionBytes, out byte[] buffer)
    {
        int optionsLength = (optionBytes.Length + 3) & ~3;
        buffer = new byte[TcpSegment.MinimumHeaderLength + optionsLength];
        var padded = new byte[optionsLength];
        optionBytes.CopyTo(padded, 0);
        new TcpHeader().Emit(buffer, padded);
        return TcpSegment.CreateUnchecked(buffer);
    }
}
