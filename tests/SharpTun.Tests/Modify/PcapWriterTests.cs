using SharpTun.Modify;

namespace SharpTun.Tests.Modify;

public sealed class PcapWriterTests
{
    private sealed class FixedTime(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }

    private static readonly DateTimeOffset SampleTime = DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_123).AddTicks(4560);

    [Fact]
    public void Constructor_WritesLibpcapGlobalHeaderForRawIp()
    {
        var stream = new MemoryStream();
        using (new PcapWriter(stream, snapLength: 65535))
        {
        }
        byte[] expected =
        [
            0xd4, 0xc3, 0xb2, 0xa1, // magic, little endian, microseconds
            0x02, 0x00, 0x04, 0x00, // version 2.4
            0x00, 0x00, 0x00, 0x00, // thiszone
            0x00, 0x00, 0x00, 0x00, // sigfigs
            0xff, 0xff, 0x00, 0x00, // snaplen 65535
            0x65, 0x00, 0x00, 0x00, // LINKTYPE_RAW = 101
        ];
        Assert.Equal(expected, stream.ToArray());
    }

    [Fact]
    public void Write_Packet_AppendsRecordWithTimestampAndLengths()
    {
        var stream = new MemoryStream();
        using var writer = new PcapWriter(stream, time: new FixedTime(SampleTime));
        byte[] packet = [0x45, 0x00, 0x00, 0x05, 0xAA];
        writer.Write(packet);
        writer.Flush();
        var record = stream.ToArray()[24..];
        byte[] expected =
        [
            0x00, 0xf1, 0x53, 0x65, // ts_sec 1700000000
            0x40, 0xe2, 0x01, 0x00, // ts_usec 123456
            0x05, 0x00, 0x00, 0x00, // incl_len
            0x05, 0x00, 0x00, 0x00, // orig_len
            0x45, 0x00, 0x00, 0x05, 0xAA,
        ];
        Assert.Equal(expected, record);
        Assert.Equal(1, writer.PacketCount);
    }

    [Fact]
    public void Write_PacketLongerThanSnapLength_IsTruncatedButKeepsOriginalLength()
    {
        var stream = new MemoryStream();
        using var writer = new PcapWriter(stream, snapLength: 4, time: new FixedTime(SampleTime));
        writer.Write(new byte[10]);
        writer.Flush();
        var record = stream.ToArray()[24..];
        Assert.Equal(16 + 4, record.Length);
        Assert.Equal(4, BitConverter.ToInt32(record, 8));
        Assert.Equal(10, BitConverter.ToInt32(record, 12));
    }

    [Fact]
    public void Create_UnwritablePath_ThrowsIOExceptionNamingThePath()
    {
        var error = Assert.Throws<IOException>(() => PcapWriter.Create("/nonexistent-dir/x.pcap"));
        Assert.Contains("/nonexistent-dir/x.pcap", error.Message);
    }
}
