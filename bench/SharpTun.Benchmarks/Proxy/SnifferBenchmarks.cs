using BenchmarkDotNet.Attributes;
using SharpTun.Proxy.Sniffers;

namespace SharpTun.Benchmarks.Proxy;

/// <summary>
/// What sniffing costs per new flow: the SNI of a 517-byte TLS 1.3 ClientHello read in place, the same
/// hello cut into two records (reassembled in a pooled buffer), and the Host of a short HTTP request.
/// </summary>
[ShortRunJob]
[MemoryDiagnoser]
public class SnifferBenchmarks
{
    // curl 7.88.1 / OpenSSL 3.0.19, "curl --tlsv1.3 -k https://example.test:47312/" against a local
    // listener; the same bytes as CapturedFlows.CurlTls13ClientHello in the tests.
    private static readonly byte[] OneRecordHello = Convert.FromHexString(
        "1603010200010001fc0303c5984c2b2d56c0680f38bcceb1243cdb934ac4a3a435eebe5193ffdb003a619320efc860acd0a7a85dae4b10f13f5363e4ea39aeb7" +
        "85bdbcec3a9ff8f077dddc32000813021303130100ff010001ab00000011000f00000c6578616d706c652e74657374000b000403000102000a00160014001d00" +
        "17001e00190018010001010102010301040010000e000c02683208687474702f312e31001600000017000000310000000d001e001c0403050306030807080808" +
        "09080a080b080408050806040105010601002b0003020304002d00020101003300260024001d0020c6d2be7c4f3a12788e5a1e169957906f2dd84717b8d4dd73" +
        "5e93b0be5a206621001500f900000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000" +
        "00000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000" +
        "00000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000" +
        "00000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000" +
        "0000000000");

    private readonly byte[] _twoRecordHello = SplitInTwo(OneRecordHello, firstFragmentLength: 256);
    private readonly byte[] _httpRequest = "GET /path HTTP/1.1\r\nHost: example.test:47314\r\nUser-Agent: curl/7.88.1\r\nAccept: */*\r\n\r\n"u8.ToArray();
    private readonly char[] _hostName = new char[HostNameRules.MaxLength];

    [Benchmark(Baseline = true)]
    public int TlsOneRecord() => DomainSniffer.Sniff(OneRecordHello, _hostName).HostNameLength;

    [Benchmark]
    public int TlsTwoRecords() => DomainSniffer.Sniff(_twoRecordHello, _hostName).HostNameLength;

    [Benchmark]
    public int HttpHost() => DomainSniffer.Sniff(_httpRequest, _hostName).HostNameLength;

    // Moves the handshake bytes after the first firstFragmentLength into a second record of their own.
    private static byte[] SplitInTwo(byte[] record, int firstFragmentLength)
    {
        int secondFragmentLength = record.Length - 5 - firstFragmentLength;
        byte[] first = [0x16, 0x03, 0x01, (byte)(firstFragmentLength >> 8), (byte)firstFragmentLength, .. record.AsSpan(5, firstFragmentLength)];
        byte[] second = [0x16, 0x03, 0x01, (byte)(secondFragmentLength >> 8), (byte)secondFragmentLength, .. record.AsSpan(5 + firstFragmentLength)];
        return [.. first, .. second];
    }
}
