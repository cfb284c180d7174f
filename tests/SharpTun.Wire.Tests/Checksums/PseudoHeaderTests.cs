using System.Buffers.Binary;

namespace SharpTun.Wire.Tests.Checksums;

public sealed class PseudoHeaderTests
{
    [Fact]
    public void SumV4_RandomInputs_MatchesSumOfBuiltPseudoHeader()
    {
        var random = new Random(768);
        for (int trial = 0; trial < 2000; trial++)
        {
            var source = new byte[4];
            var destination = new byte[4];
            random.NextBytes(source);
            random.NextBytes(destination);
            byte protocol = (byte)random.Next(256);
            int length = random.Next(0, 65536);
            // RFC 793 §3.1: source, destination, zero, PTCL, TCP length.
            var built = new byte[12];
            source.CopyTo(built, 0);
            destination.CopyTo(built, 4);
            built[9] = protocol;
            BinaryPrimitives.WriteUInt16BigEndian(built.AsSpan(10), (ushort)length);

            Assert.Equal(ReferenceChecksum.Compute(built), Checksum.Fold(PseudoHeader.SumV4(source, destination, protocol, length)));
        }
    }

    [Fact]
    public void SumV6_RandomInputs_MatchesSumOfBuiltPseudoHeader()
    {
        var random = new Random(8200);
        for (int trial = 0; trial < 2000; trial++)
        {
            var source = new byte[16];
            var destination = new byte[16];
            random.NextBytes(source);
            random.NextBytes(destination);
            byte nextHeader = (byte)random.Next(256);
            int length = random.Next(0, int.MaxValue);
            // RFC 8200 §8.1: source, destination, 32-bit length, three zero bytes, next header.
            var built = new byte[40];
            source.CopyTo(built, 0);
            destination.CopyTo(built, 16);
            BinaryPrimitives.WriteUInt32BigEndian(built.AsSpan(32), (uint)length);
            built[39] = nextHeader;

            Assert.Equal(ReferenceChecksum.Compute(built), Checksum.Fold(PseudoHeader.SumV6(source, destination, nextHeader, length)));
        }
    }

    [Fact]
    public void SumV4_WrongAddressLength_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => PseudoHeader.SumV4(new byte[16], new byte[4], 6, 20));
    }

    [Fact]
    public void SumV6_WrongAddressLength_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => PseudoHeader.SumV6(new byte[16], new byte[4], 6, 20));
    }
}
