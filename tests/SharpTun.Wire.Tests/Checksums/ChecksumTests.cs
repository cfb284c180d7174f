using System.Buffers.Binary;

namespace SharpTun.Wire.Tests.Checksums;

public sealed class ChecksumTests
{
    [Fact]
    public void Sum_Rfc1071Example_MatchesTheWorkedSum()
    {
        // RFC 1071 §3: bytes 00 01 f2 03 f4 f5 f6 f7 sum to 0xddf2 after folding.
        byte[] data = [0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7];

        Assert.Equal(0xddf2, Checksum.FoldToWord(Checksum.Sum(data)));
        Assert.Equal(0x220d, Checksum.Compute(data));
    }

    [Fact]
    public void Compute_Empty_IsAllOnes()
    {
        Assert.Equal(0xFFFF, Checksum.Compute([]));
    }

    [Fact]
    public void Compute_OddLength_PadsLastByteAsHighOrder()
    {
        Assert.Equal(0x54FF, Checksum.Compute([0xAB])); // ~0xAB00
        Assert.Equal(0xFBFD, Checksum.Compute([0x01, 0x02, 0x03])); // ~(0x0102 + 0x0300)
    }

    [Fact]
    public void Fold_LargeSum_FoldsEveryCarry()
    {
        Assert.Equal(0x0000, Checksum.Fold(0xFFFF_FFFF)); // folds to 0xFFFF
        Assert.Equal(0xFFFD, Checksum.Fold(0x0001_0001)); // folds to 0x0002
        Assert.Equal(0xFFFF, Checksum.Fold(0));
    }

    [Fact]
    public void Compute_PacketWithItsChecksum_SumsToZero()
    {
        var header = Captured.Ipv4TcpSyn.AsSpan(0, 20);

        Assert.Equal(0, Checksum.Compute(header));
        Assert.Equal(0xde99, BinaryPrimitives.ReadUInt16BigEndian(header[10..]));
    }

    [Fact]
    public void Sum_EveryLengthTo9001AtRandomOffsets_MatchesReference()
    {
        var random = new Random(1071);
        var buffer = new byte[9001 + 64];
        random.NextBytes(buffer);
        for (int length = 0; length <= 9001; length++)
        {
            int offset = random.Next(0, 64);
            var data = buffer.AsSpan(offset, length);
            ushort initial = (ushort)random.Next(0, 0x10000);

            ushort expected = ReferenceChecksum.Sum(data, initial);
            ushort actual = Checksum.FoldToWord(Checksum.Sum(data, initial));

            Assert.True(Same(expected, actual), $"length {length} offset {offset} initial {initial:x4}: {expected:x4} vs {actual:x4}");
        }
    }

    [Fact]
    public void Compute_EveryLengthTo9001_MatchesReference()
    {
        var random = new Random(791);
        var buffer = new byte[9001];
        random.NextBytes(buffer);
        for (int length = 0; length <= 9001; length++)
            Assert.Equal(ReferenceChecksum.Compute(buffer.AsSpan(0, length)), Checksum.Compute(buffer.AsSpan(0, length)));
    }

    [Fact]
    public void Sum_LargeInitialValues_CarriesOutOf32Bits()
    {
        var random = new Random(1624);
        var data = new byte[1500];
        random.NextBytes(data);
        foreach (uint initial in new uint[] { 0xFFFF_FFFF, 0xFFFF_0000, 0x8000_0001, 0x0001_0000 })
        {
            ushort initialFolded = Checksum.FoldToWord(initial);
            ushort expected = ReferenceChecksum.Sum(data, initialFolded);
            Assert.True(Same(expected, Checksum.FoldToWord(Checksum.Sum(data, initial))));
        }
    }

    [Fact]
    public void Sum_ChainedAtEvenSplits_EqualsOneSum()
    {
        var random = new Random(8200);
        var data = new byte[4097];
        random.NextBytes(data);
        for (int trial = 0; trial < 500; trial++)
        {
            int first = random.Next(0, data.Length / 2) * 2;
            int second = first + random.Next(0, (data.Length - first) / 2) * 2;

            uint chained = Checksum.Sum(data.AsSpan(second), Checksum.Sum(data.AsSpan(first, second - first), Checksum.Sum(data.AsSpan(0, first))));

            Assert.Equal(Checksum.Compute(data), Checksum.Fold(chained));
        }
    }

    [Fact]
    public void Sum_AllOnesData_DoesNotOverflow()
    {
        var data = new byte[1 << 20];
        data.AsSpan().Fill(0xFF);

        Assert.True(Same(ReferenceChecksum.Sum(data), Checksum.FoldToWord(Checksum.Sum(data))));
    }

    [Theory]
    [InlineData(256)]
    [InlineData(128)]
    [InlineData(64)]
    public void SumNativeOrder_EachInstructionSetEveryLength_MatchesReference(int width)
    {
        var random = new Random(width);
        var buffer = new byte[2100];
        random.NextBytes(buffer);
        for (int length = 0; length <= 2048; length++)
        {
            var data = buffer.AsSpan(random.Next(0, 52), length);
            ulong native = width switch
            {
                256 => Checksum.SumNativeOrderVector256(data),
                128 => Checksum.SumNativeOrderVector128(data),
                _ => Checksum.SumNativeOrderScalar(data),
            };
            ushort word = Checksum.FoldToWord(native);
            ushort bigEndian = BitConverter.IsLittleEndian ? BinaryPrimitives.ReverseEndianness(word) : word;

            Assert.True(Same(ReferenceChecksum.Sum(data), bigEndian), $"width {width} length {length}");
        }
    }

    // One's-complement arithmetic has two zeros (0x0000 and 0xFFFF); a sum is either.
    private static bool Same(ushort a, ushort b) => a == b || (a is 0 or 0xFFFF && b is 0 or 0xFFFF);
}
