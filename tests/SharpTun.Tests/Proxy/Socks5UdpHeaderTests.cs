using System.Net;
using System.Text;
using SharpTun.Proxy;
using SharpTun.Proxy.Outbounds.Socks5;

namespace SharpTun.Tests.Proxy;

public sealed class Socks5UdpHeaderTests
{
    // RSV RSV FRAG ATYP=1 127.0.0.1 port 53, then "dns".
    private static readonly byte[] IPv4Datagram = [0x00, 0x00, 0x00, 0x01, 0x7f, 0x00, 0x00, 0x01, 0x00, 0x35, .. "dns"u8];

    // ATYP=4 2001:db8::1 port 443, then "q".
    private static readonly byte[] IPv6Datagram = [0x00, 0x00, 0x00, 0x04, 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0x01, 0xbb, (byte)'q'];

    // ATYP=3 "a.io" port 8080, empty payload.
    private static readonly byte[] DomainDatagram = [0x00, 0x00, 0x00, 0x03, 4, (byte)'a', (byte)'.', (byte)'i', (byte)'o', 0x1f, 0x90];

    [Fact]
    public void TryParse_IPv4_ReadsFields()
    {
        Assert.True(Socks5UdpHeader.TryParse(IPv4Datagram, out var header));

        Assert.Equal(0, header.Fragment);
        Assert.Equal(Socks5AddressType.IPv4, header.AddressType);
        Assert.Equal(new byte[] { 127, 0, 0, 1 }, header.Address.ToArray());
        Assert.Equal(53, header.Port);
        Assert.Equal(10, header.Length);
        Assert.Equal("dns"u8.ToArray(), header.Payload.ToArray());
        Assert.Equal(ProxyDestination.FromAddress(IPAddress.Loopback, 53), header.ToDestination());
    }

    [Fact]
    public void TryParse_IPv6_ReadsFields()
    {
        Assert.True(Socks5UdpHeader.TryParse(IPv6Datagram, out var header));

        Assert.Equal(Socks5AddressType.IPv6, header.AddressType);
        Assert.Equal(443, header.Port);
        Assert.Equal(22, header.Length);
        Assert.Equal("q"u8.ToArray(), header.Payload.ToArray());
        Assert.Equal(ProxyDestination.FromAddress(IPAddress.Parse("2001:db8::1"), 443), header.ToDestination());
    }

    [Fact]
    public void TryParse_Domain_ReadsFields()
    {
        Assert.True(Socks5UdpHeader.TryParse(DomainDatagram, out var header));

        Assert.Equal(Socks5AddressType.DomainName, header.AddressType);
        Assert.Equal("a.io"u8.ToArray(), header.Address.ToArray());
        Assert.Equal(8080, header.Port);
        Assert.True(header.Payload.IsEmpty);
        Assert.Equal(ProxyDestination.FromDomain("a.io", 8080), header.ToDestination());
    }

    [Fact]
    public void TryParse_Fragment_ReportsIt()
    {
        byte[] datagram = [.. IPv4Datagram];
        datagram[2] = 0x81;

        Assert.True(Socks5UdpHeader.TryParse(datagram, out var header));
        Assert.Equal(0x81, header.Fragment);
    }

    public static TheoryData<byte[]> KnownDatagrams => new() { IPv4Datagram, IPv6Datagram, DomainDatagram };

    [Theory]
    [MemberData(nameof(KnownDatagrams))]
    public void Write_ParsedDestination_ReproducesKnownBytes(byte[] datagram)
    {
        Assert.True(Socks5UdpHeader.TryParse(datagram, out var header));
        var destination = header.ToDestination();
        var buffer = new byte[Socks5UdpHeader.MaxLength];

        var length = Socks5UdpHeader.Write(buffer, destination);

        Assert.Equal(header.Length, length);
        Assert.Equal(Socks5UdpHeader.GetLength(destination), length);
        Assert.Equal(datagram[..length], buffer[..length]);
    }

    [Fact]
    public void WriteBefore_Payload_HeaderEndsAtPayload()
    {
        var buffer = new byte[Socks5UdpHeader.MaxLength + 3];
        "dns"u8.CopyTo(buffer.AsSpan(Socks5UdpHeader.MaxLength));

        var start = Socks5UdpHeader.WriteBefore(buffer, Socks5UdpHeader.MaxLength, ProxyDestination.FromAddress(IPAddress.Loopback, 53));

        Assert.Equal(IPv4Datagram, buffer[start..]);
    }

    [Fact]
    public void WriteBefore_NotEnoughHeadroom_Throws()
    {
        var buffer = new byte[100];

        Assert.Throws<ArgumentOutOfRangeException>(() => Socks5UdpHeader.WriteBefore(buffer, 9, ProxyDestination.FromAddress(IPAddress.Loopback, 53)));
    }

    [Fact]
    public void WriteThenParse_LongestName_RoundTrips()
    {
        var label = new string('x', 63);
        var destination = ProxyDestination.FromDomain($"{label}.{label}.{label}.{new string('y', 63)}", 65535);
        var buffer = new byte[Socks5UdpHeader.MaxLength + 1];
        buffer[^1] = 0xaa;

        var length = Socks5UdpHeader.Write(buffer, destination);

        Assert.Equal(Socks5UdpHeader.MaxLength, length);
        Assert.True(Socks5UdpHeader.TryParse(buffer, out var header));
        Assert.Equal(destination, header.ToDestination());
        Assert.Equal(new byte[] { 0xaa }, header.Payload.ToArray());
    }

    [Fact]
    public void WriteThenParse_RandomDestinations_RoundTrip()
    {
        var random = new Random(1928);
        var buffer = new byte[Socks5UdpHeader.MaxLength + 16];
        for (var i = 0; i < 1000; i++)
        {
            var destination = (i % 3) switch
            {
                0 => ProxyDestination.FromAddress(new IPAddress(random.Next() & 0x7fffffff | 1), random.Next(65536)),
                1 => ProxyDestination.FromAddress(new IPAddress(RandomBytes(random, 16)), random.Next(65536)),
                _ => ProxyDestination.FromDomain(RandomName(random), random.Next(65536)),
            };
            var payload = RandomBytes(random, random.Next(17));
            var length = Socks5UdpHeader.Write(buffer, destination);
            payload.CopyTo(buffer, length);

            Assert.True(Socks5UdpHeader.TryParse(buffer.AsSpan(0, length + payload.Length), out var header));
            Assert.Equal(destination, header.ToDestination());
            Assert.Equal(payload, header.Payload.ToArray());
        }
    }

    public static TheoryData<byte[]> MalformedDatagrams => new()
    {
        { [] },
        { [0x00, 0x00, 0x00] },
        { [0x00, 0x00, 0x00, 0x01, 127, 0, 0, 1, 0x00] },
        { [0x00, 0x00, 0x00, 0x04, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0x00] },
        { [0x00, 0x00, 0x00, 0x03] },
        { [0x00, 0x00, 0x00, 0x03, 0, 0x00, 0x35] },
        { [0x00, 0x00, 0x00, 0x03, 5, (byte)'a', (byte)'b', 0x00, 0x35] },
        { [0x00, 0x00, 0x00, 0x03, 3, (byte)'a', (byte)' ', (byte)'b', 0x00, 0x35] },
        { [0x00, 0x00, 0x00, 0x03, 2, 0xc3, 0xa4, 0x00, 0x35] },
        { [0x00, 0x00, 0x00, 0x02, 127, 0, 0, 1, 0x00, 0x35] },
        { [0x00, 0x00, 0x00, 0x00, 127, 0, 0, 1, 0x00, 0x35] },
        { [0x00, 0x00, 0x00, 0xff, 127, 0, 0, 1, 0x00, 0x35] },
    };

    [Theory]
    [MemberData(nameof(MalformedDatagrams))]
    public void TryParse_Malformed_ReturnsFalse(byte[] datagram)
    {
        Assert.False(Socks5UdpHeader.TryParse(datagram, out _));
    }

    [Fact]
    public void TryParse_EveryTruncationOfValidDatagrams_NeverThrows()
    {
        foreach (var datagram in new[] { IPv4Datagram, IPv6Datagram, DomainDatagram })
        {
            Assert.True(Socks5UdpHeader.TryParse(datagram, out var full));
            for (var cut = 0; cut < full.Length; cut++)
                Assert.False(Socks5UdpHeader.TryParse(datagram.AsSpan(0, cut), out _), $"cut at {cut}");
        }
    }

    [Fact]
    public void ParseAndWrite_PerDatagram_AllocateNothing()
    {
        var destination = ProxyDestination.FromDomain("example.com", 53);
        var buffer = new byte[Socks5UdpHeader.MaxLength + 64];
        WriteAndParse(buffer, destination, 1000); // warm up: JIT and tiering allocate once
        var before = GC.GetAllocatedBytesForCurrentThread();

        var ports = WriteAndParse(buffer, destination, 10_000);

        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(53 * 10_000, ports);
        Assert.True(allocated < 10_000, $"{allocated} bytes allocated for 10,000 datagrams");
    }

    private static int WriteAndParse(byte[] buffer, ProxyDestination destination, int count)
    {
        var ports = 0;
        for (var i = 0; i < count; i++)
        {
            var start = Socks5UdpHeader.WriteBefore(buffer, Socks5UdpHeader.MaxLength, destination);
            if (Socks5UdpHeader.TryParse(buffer.AsSpan(start), out var header))
                ports += header.Port;
        }
        return ports;
    }

    private static byte[] RandomBytes(Random random, int count)
    {
        var bytes = new byte[count];
        random.NextBytes(bytes);
        return bytes;
    }

    private static string RandomName(Random random)
    {
        var builder = new StringBuilder();
        var labels = random.Next(1, 4);
        for (var l = 0; l < labels; l++)
        {
            if (l > 0)
                builder.Append('.');
            var length = random.Next(1, 20);
            for (var c = 0; c < length; c++)
                builder.Append((char)random.Next('a', 'z' + 1));
        }
        return builder.ToString();
    }
}
