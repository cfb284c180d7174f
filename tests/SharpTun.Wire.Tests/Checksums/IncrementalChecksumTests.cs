using System.Buffers.Binary;

namespace SharpTun.Wire.Tests.Checksums;

public sealed class IncrementalChecksumTests
{
    [Fact]
    public void Update_Rfc1624Example_AvoidsMinusZero()
    {
        // RFC 1624 §4: HC = 0xDD2F and a field changing from 0x5555 to 0x3285 must give
        // HC' = 0x0000; RFC 1141's eqn. 2 gave 0xFFFF (-0).
        Assert.Equal(0x0000, IncrementalChecksum.Update(0xDD2F, 0x5555, 0x3285));
    }

    [Fact]
    public void UpdateWord_RandomPortRewrites_MatchesFullRecomputation()
    {
        var random = new Random(1);
        var data = new byte[64];
        for (int trial = 0; trial < 20000; trial++)
        {
            random.NextBytes(data);
            int position = random.Next(0, data.Length / 2) * 2;
            ushort before = Checksum.Compute(data);
            ushort oldWord = BinaryPrimitives.ReadUInt16BigEndian(data.AsSpan(position));
            ushort newWord = trial % 7 == 0 ? (ushort)0 : trial % 11 == 0 ? (ushort)0xFFFF : (ushort)random.Next(0x10000);
            BinaryPrimitives.WriteUInt16BigEndian(data.AsSpan(position), newWord);

            Assert.Equal(Checksum.Compute(data), IncrementalChecksum.Update(before, oldWord, newWord));
        }
    }

    [Fact]
    public void UpdateValue_RandomAddressRewrites_MatchesFullRecomputation()
    {
        var random = new Random(2);
        var header = new byte[20];
        for (int trial = 0; trial < 20000; trial++)
        {
            random.NextBytes(header);
            ushort before = Checksum.Compute(header);
            uint oldValue = BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(16));
            uint newValue = (uint)random.NextInt64(0, 1L << 32);
            BinaryPrimitives.WriteUInt32BigEndian(header.AsSpan(16), newValue);

            Assert.Equal(Checksum.Compute(header), IncrementalChecksum.Update(before, oldValue, newValue));
        }
    }

    [Fact]
    public void UpdateSpan_RandomIpv6AddressRewrites_MatchesFullRecomputation()
    {
        var random = new Random(3);
        var data = new byte[80];
        var oldAddress = new byte[16];
        var newAddress = new byte[16];
        for (int trial = 0; trial < 20000; trial++)
        {
            random.NextBytes(data);
            random.NextBytes(newAddress);
            ushort before = Checksum.Compute(data);
            data.AsSpan(24, 16).CopyTo(oldAddress);
            newAddress.CopyTo(data.AsSpan(24));

            Assert.Equal(Checksum.Compute(data), IncrementalChecksum.Update(before, oldAddress, newAddress));
        }
    }

    [Fact]
    public void Update_UnchangedWord_KeepsChecksum()
    {
        var data = Captured.Ipv4TcpSyn.AsSpan(0, 20);
        ushort checksum = BinaryPrimitives.ReadUInt16BigEndian(data[10..]);

        Assert.Equal(checksum, IncrementalChecksum.Update(checksum, 0x1c46, 0x1c46));
    }

    [Fact]
    public void UpdateSpan_OddOrUnequalLengths_Throws()
    {
        Assert.Throws<ArgumentException>(() => IncrementalChecksum.Update(0, new byte[3], new byte[3]));
        Assert.Throws<ArgumentOutOfRangeException>(() => IncrementalChecksum.Update(0, new byte[4], new byte[2]));
    }
}
