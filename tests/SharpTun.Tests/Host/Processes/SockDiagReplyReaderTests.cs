using CsCheck;
using SharpTun.Host.Processes;

namespace SharpTun.Tests.Host.Processes;

public sealed class SockDiagReplyReaderTests
{
    // One reply to an exact TCP lookup, laid out as the kernel writes it (little-endian host).
    // nlmsghdr:      len 88, type 20 (SOCK_DIAG_BY_FAMILY), flags 0, seq 7, port id 4242
    // inet_diag_msg: family 2 (AF_INET), state 1 (ESTABLISHED), timer 0, retrans 0,
    //   sport 41970, dport 443 (big-endian), src 10.0.0.2, dst 93.184.216.34 (first 4 of 16 bytes),
    //   if 0, cookie 42 0, expires 0, rqueue 0, wqueue 0, uid 1000, inode 123456
    private const string TcpV4Reply =
        "58000000" + "1400" + "0000" + "07000000" + "92100000" +
        "02010000" +
        "a3f2" + "01bb" +
        "0a000002" + "000000000000000000000000" +
        "5db8d822" + "000000000000000000000000" +
        "00000000" + "2a000000" + "00000000" +
        "00000000" + "00000000" + "00000000" +
        "e8030000" + "40e20100";

    // An unconnected UDP socket bound to [2001:db8::1]:5353 (state 7, CLOSE), uid 0, inode 77,
    // followed by an attribute (INET_DIAG_SKV6ONLY = 1) the reader must skip.
    private const string UdpV6Reply =
        "60000000" + "1400" + "0000" + "07000000" + "00000000" +
        "0a070000" +
        "14e9" + "0000" +
        "20010db8000000000000000000000001" +
        "00000000000000000000000000000000" +
        "00000000" + "ffffffff" + "ffffffff" +
        "00000000" + "00000000" + "00000000" +
        "00000000" + "4d000000" +
        "05000b00" + "01000000";

    // NLMSG_ERROR, seq 7: error -2 (ENOENT), then the request's header echoed back.
    private const string EnoentReply =
        "24000000" + "0200" + "0000" + "07000000" + "00000000" +
        "feffffff" +
        "48000000" + "1400" + "0100" + "07000000" + "00000000";

    private const string DoneReply = "14000000" + "0300" + "0200" + "07000000" + "00000000" + "00000000";

    [Fact]
    public void TryNext_CapturedTcpV4Reply_ReadsEveryField()
    {
        var reader = new SockDiagReplyReader(Convert.FromHexString(TcpV4Reply), 7);

        Assert.True(reader.TryNext(out var kind, out var message, out _));

        Assert.Equal(SockDiagReplyKind.Socket, kind);
        Assert.Equal(new InetDiagMessage(
            Family: 2,
            State: 1,
            LocalAddress: Key("10.0.0.2"),
            LocalPort: 41970,
            RemoteAddress: Key("93.184.216.34"),
            RemotePort: 443,
            InterfaceIndex: 0,
            Uid: 1000,
            Inode: 123456), message);
        Assert.False(reader.TryNext(out _, out _, out _));
    }

    [Fact]
    public void TryNext_Ipv6ReplyWithAttribute_ReadsAddressesAndSkipsAttribute()
    {
        var reader = new SockDiagReplyReader(Convert.FromHexString(UdpV6Reply), 7);

        Assert.True(reader.TryNext(out var kind, out var message, out _));

        Assert.Equal(SockDiagReplyKind.Socket, kind);
        Assert.Equal(10, message.Family);
        Assert.Equal(7, message.State);
        Assert.Equal(Key("2001:db8::1"), message.LocalAddress);
        Assert.Equal(5353, message.LocalPort);
        Assert.True(SocketAddressKey.IsAny(message.RemoteAddress));
        Assert.Equal(0, message.RemotePort);
        Assert.Equal(77u, message.Inode);
        Assert.False(reader.TryNext(out _, out _, out _));
    }

    [Fact]
    public void TryNext_EnoentError_ReturnsErrorWithPositiveErrno()
    {
        var reader = new SockDiagReplyReader(Convert.FromHexString(EnoentReply), 7);

        Assert.True(reader.TryNext(out var kind, out _, out var errno));

        Assert.Equal(SockDiagReplyKind.Error, kind);
        Assert.Equal(2, errno);
    }

    [Fact]
    public void TryNext_DumpBatch_ReadsEachSocketThenDone()
    {
        var datagram = Convert.FromHexString(TcpV4Reply + UdpV6Reply + DoneReply);
        var reader = new SockDiagReplyReader(datagram, 7);

        Assert.True(reader.TryNext(out var first, out var firstMessage, out _));
        Assert.True(reader.TryNext(out var second, out var secondMessage, out _));
        Assert.True(reader.TryNext(out var third, out _, out _));

        Assert.Equal((SockDiagReplyKind.Socket, 123456u), (first, firstMessage.Inode));
        Assert.Equal((SockDiagReplyKind.Socket, 77u), (second, secondMessage.Inode));
        Assert.Equal(SockDiagReplyKind.Done, third);
        Assert.False(reader.TryNext(out _, out _, out _));
    }

    [Fact]
    public void TryNext_ReplyToAnotherSequence_IsSkipped()
    {
        var reader = new SockDiagReplyReader(Convert.FromHexString(TcpV4Reply + EnoentReply), 8);

        Assert.False(reader.TryNext(out _, out _, out _));
    }

    [Fact]
    public void TryNext_StaleReplyBeforeOurs_ReturnsOurs()
    {
        var stale = TcpV4Reply.Replace("07000000", "06000000", StringComparison.Ordinal);
        var reader = new SockDiagReplyReader(Convert.FromHexString(stale + EnoentReply), 7);

        Assert.True(reader.TryNext(out var kind, out _, out _));

        Assert.Equal(SockDiagReplyKind.Error, kind);
    }

    [Theory]
    [InlineData("590000001400")] // header cut short
    [InlineData("59000000" + "1400" + "0000" + "07000000" + "00000000")] // length beyond the datagram
    [InlineData("0c000000" + "1400" + "0000" + "07000000" + "00000000")] // length below the header size
    [InlineData("00000000" + "1400" + "0000" + "07000000" + "00000000")] // length 0: must not loop forever
    [InlineData("10000000" + "0200" + "0000" + "07000000" + "00000000")] // NLMSG_ERROR without its errno
    public void TryNext_BadHeader_ReturnsMalformedOnceThenStops(string hex)
    {
        var reader = new SockDiagReplyReader(Convert.FromHexString(hex + DoneReply), 7);

        Assert.True(reader.TryNext(out var kind, out _, out _));

        Assert.Equal(SockDiagReplyKind.Malformed, kind);
        Assert.False(reader.TryNext(out _, out _, out _));
    }

    [Fact]
    public void TryNext_PayloadShorterThanInetDiagMsg_ReturnsMalformed()
    {
        // The header claims 84 bytes: 4 short of struct inet_diag_msg.
        var shortened = "54000000" + TcpV4Reply[8..^8];
        var reader = new SockDiagReplyReader(Convert.FromHexString(shortened), 7);

        Assert.True(reader.TryNext(out var kind, out _, out _));

        Assert.Equal(SockDiagReplyKind.Malformed, kind);
    }

    [Fact]
    public void TryNext_UnknownAddressFamily_ReturnsMalformed()
    {
        var unix = TcpV4Reply[..32] + "01" + TcpV4Reply[34..]; // idiag_family 1 (AF_UNIX)
        var reader = new SockDiagReplyReader(Convert.FromHexString(unix), 7);

        Assert.True(reader.TryNext(out var kind, out _, out _));

        Assert.Equal(SockDiagReplyKind.Malformed, kind);
    }

    [Fact]
    public void TryNext_RandomBytes_NeverThrowsAndEnds()
    {
        var valid = Convert.FromHexString(TcpV4Reply + UdpV6Reply + EnoentReply + DoneReply);
        Gen.Select(Gen.Int[0, valid.Length - 1], Gen.Byte, Gen.Int[0, valid.Length])
            .Array[1, 8]
            .Sample(edits =>
            {
                // Corrupt a valid batch (flip bytes, cut it short): the shapes a parser gets wrong.
                var datagram = (byte[])valid.Clone();
                var length = datagram.Length;
                foreach (var (offset, value, cut) in edits)
                {
                    datagram[offset] = value;
                    length = Math.Min(length, cut);
                }
                var reader = new SockDiagReplyReader(datagram.AsSpan(0, length), 7);
                var messages = 0;
                while (reader.TryNext(out _, out _, out _))
                    Assert.True(++messages <= length / 16 + 1);
            });
    }

    [Fact]
    public void WriteExact_Tcp_PutsLocalEndInSource()
    {
        Span<byte> buffer = stackalloc byte[SockDiagRequest.Size];

        var request = SockDiagRequest.WriteExact(buffer, 9, 2, 6, Key("10.0.0.2"), 41970, Key("93.184.216.34"), 443);

        Assert.Equal(
            "48000000" + "1400" + "0100" + "09000000" + "00000000" +
            "02060000" + "ffffffff" +
            "a3f2" + "01bb" +
            "0a000002" + "000000000000000000000000" +
            "5db8d822" + "000000000000000000000000" +
            "00000000" + "ffffffff" + "ffffffff",
            Convert.ToHexStringLower(request));
    }

    [Fact]
    public void WriteExact_Udp_PutsRemoteEndInSourceAsTheKernelExpects()
    {
        Span<byte> buffer = stackalloc byte[SockDiagRequest.Size];

        var request = SockDiagRequest.WriteExact(buffer, 9, 10, 17, Key("2001:db8::1"), 5353, Key("2001:db8::2"), 53);

        var id = Convert.ToHexStringLower(request[24..]);
        Assert.Equal(
            "0035" + "14e9" +
            "20010db8000000000000000000000002" +
            "20010db8000000000000000000000001" +
            "00000000" + "ffffffff" + "ffffffff",
            id);
    }

    private static UInt128 Key(string address) => SocketAddressKey.From(System.Net.IPAddress.Parse(address));
}
