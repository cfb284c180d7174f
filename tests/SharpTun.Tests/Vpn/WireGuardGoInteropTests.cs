using SharpTun.Vpn;

namespace SharpTun.Tests.Vpn;

/// <summary>
/// Interoperability with Debian's wireguard-go over a veth pair between two namespaces (root; see
/// <see cref="WireGuardGoTestbed"/>). Proves the handshake, the data path and cryptokey routing
/// against an independent implementation, with either side initiating.
/// </summary>
[Collection(nameof(WireGuardGoInteropTests))]
public sealed class WireGuardGoInteropTests
{
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(60);

    [Fact]
    public void WeInitiate_PingBothWays_V4AndV6_ThenTcpTransfer()
    {
        using var bed = new WireGuardGoTestbed(weKnowTheirEndpoint: true, theyKnowOurEndpoint: false);
        AssertPing(bed.OurNamespace.Exec($"ping -c 3 -i 0.2 -W 3 {WireGuardGoTestbed.GoTunnel4}", CommandTimeout));
        AssertPing(bed.OurNamespace.Exec($"ping -6 -c 3 -i 0.2 -W 3 {WireGuardGoTestbed.GoTunnel6}", CommandTimeout));
        AssertPing(bed.GoNamespace.Exec($"ping -c 3 -i 0.2 -W 3 {WireGuardGoTestbed.OurTunnel4}", CommandTimeout));
        AssertPing(bed.GoNamespace.Exec($"ping -6 -c 3 -i 0.2 -W 3 {WireGuardGoTestbed.OurTunnel6}", CommandTimeout));

        // 50 MB both ways through the tunnel with iperf3 (server in wireguard-go's namespace).
        using var server = bed.GoNamespace.Start("iperf3", ["-s", "-1", "-B", WireGuardGoTestbed.GoTunnel4]);
        WaitForListener(bed, 5201);
        var upload = bed.OurNamespace.Exec($"iperf3 -c {WireGuardGoTestbed.GoTunnel4} -n 50M", CommandTimeout);
        Assert.True(upload.ExitCode == 0, upload.ToString());
        using var server2 = bed.GoNamespace.Start("iperf3", ["-s", "-1", "-B", WireGuardGoTestbed.GoTunnel4]);
        WaitForListener(bed, 5201);
        var download = bed.OurNamespace.Exec($"iperf3 -c {WireGuardGoTestbed.GoTunnel4} -n 50M -R", CommandTimeout);
        Assert.True(download.ExitCode == 0, download.ToString());

        var peer = Assert.Single(bed.Device.GetPeers());
        Assert.NotNull(peer.LatestHandshake);
        Assert.True(peer.ReceivedBytes > 50_000_000 && peer.SentBytes > 50_000_000, $"rx {peer.ReceivedBytes} tx {peer.SentBytes}");
        Assert.Equal(0, bed.Device.Counters.InvalidMessages);
    }

    [Fact]
    public void BulkTransfers_ArriveIntact_UploadOverV4_DownloadOverV6()
    {
        // Our side cuts the kernel's TCP super-packets into segments and joins received segments
        // into super-packets whose checksum the kernel then trusts: the bytes must come out whole.
        using var bed = new WireGuardGoTestbed(weKnowTheirEndpoint: true, theyKnowOurEndpoint: false);
        var directory = Directory.CreateTempSubdirectory("sharptun-wg-");
        try
        {
            var file = Path.Combine(directory.FullName, "random");
            File.WriteAllBytes(file, RandomBytes(24 << 20));
            var expected = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(file)));

            using var sink = bed.GoNamespace.Start("sh", ["-c", $"socat -u TCP-LISTEN:7000,bind={WireGuardGoTestbed.GoTunnel4} - | sha256sum > {file}.up"]);
            WaitForListener(bed, 7000);
            var upload = bed.OurNamespace.Exec($"socat -u FILE:{file} TCP:{WireGuardGoTestbed.GoTunnel4}:7000", CommandTimeout);
            Assert.True(upload.ExitCode == 0, upload.ToString());
            Assert.True(sink.WaitForExit(30_000));
            Assert.StartsWith(expected, File.ReadAllText(file + ".up"));

            using var source = bed.GoNamespace.Start("socat", ["-u", $"FILE:{file}", $"TCP6-LISTEN:7001,bind=[{WireGuardGoTestbed.GoTunnel6}]"]);
            WaitForListener(bed, 7001);
            var download = bed.OurNamespace.Exec("sh", ["-c", $"socat -u TCP6:[{WireGuardGoTestbed.GoTunnel6}]:7001 - | sha256sum"], CommandTimeout);
            Assert.True(download.ExitCode == 0, download.ToString());
            Assert.StartsWith(expected, download.StandardOutput);
            Assert.Equal(0, bed.Device.Counters.InvalidMessages);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    private static byte[] RandomBytes(int length)
    {
        var bytes = new byte[length];
        new Random(17).NextBytes(bytes);
        return bytes;
    }

    [Fact]
    public void TheyInitiate_PingBothWays_V4AndV6_AndRoamingEndpointIsLearned()
    {
        using var bed = new WireGuardGoTestbed(weKnowTheirEndpoint: false, theyKnowOurEndpoint: true);
        AssertPing(bed.GoNamespace.Exec($"ping -c 3 -i 0.2 -W 3 {WireGuardGoTestbed.OurTunnel4}", CommandTimeout));
        AssertPing(bed.GoNamespace.Exec($"ping -6 -c 3 -i 0.2 -W 3 {WireGuardGoTestbed.OurTunnel6}", CommandTimeout));
        AssertPing(bed.OurNamespace.Exec($"ping -c 3 -i 0.2 -W 3 {WireGuardGoTestbed.GoTunnel4}", CommandTimeout));
        AssertPing(bed.OurNamespace.Exec($"ping -6 -c 3 -i 0.2 -W 3 {WireGuardGoTestbed.GoTunnel6}", CommandTimeout));

        var peer = Assert.Single(bed.Device.GetPeers());
        Assert.Equal("10.99.1.1:51820", peer.Endpoint?.ToString());
        Assert.Contains("10.99.1.2:51821", bed.GoDump());
    }

    [Fact]
    public void TheyMoveToAnotherPort_OurEndpointFollows()
    {
        using var bed = new WireGuardGoTestbed(weKnowTheirEndpoint: true, theyKnowOurEndpoint: true);
        AssertPing(bed.OurNamespace.Exec($"ping -c 2 -i 0.2 -W 3 {WireGuardGoTestbed.GoTunnel4}", CommandTimeout));
        // As behind a NAT that rebinds: wireguard-go now sends from another port, and we must
        // answer there, since nothing listens on the old one.
        var set = bed.GoNamespace.Exec("wg set wgo0 listen-port 51830");
        Assert.True(set.ExitCode == 0, set.ToString());
        AssertPing(bed.GoNamespace.Exec($"ping -c 3 -i 0.2 -W 3 {WireGuardGoTestbed.OurTunnel4}", CommandTimeout));
        Assert.Equal("10.99.1.1:51830", bed.Device.GetPeers()[0].Endpoint?.ToString());
        AssertPing(bed.OurNamespace.Exec($"ping -c 2 -i 0.2 -W 3 {WireGuardGoTestbed.GoTunnel4}", CommandTimeout));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Ipv6Underlay_EitherSideInitiates_PingBothWays(bool weInitiate)
    {
        using var bed = new WireGuardGoTestbed(weKnowTheirEndpoint: weInitiate, theyKnowOurEndpoint: !weInitiate, ipv6Underlay: true);
        var first = weInitiate ? bed.OurNamespace : bed.GoNamespace;
        var second = weInitiate ? bed.GoNamespace : bed.OurNamespace;
        AssertPing(first.Exec($"ping -c 2 -i 0.2 -W 3 {(weInitiate ? WireGuardGoTestbed.GoTunnel4 : WireGuardGoTestbed.OurTunnel4)}", CommandTimeout));
        AssertPing(second.Exec($"ping -6 -c 2 -i 0.2 -W 3 {(weInitiate ? WireGuardGoTestbed.OurTunnel6 : WireGuardGoTestbed.GoTunnel6)}", CommandTimeout));
        Assert.Equal("[fd99::1]:51820", bed.Device.GetPeers()[0].Endpoint?.ToString());
    }

    [Fact]
    public void WithoutPresharedKey_PingWorks()
    {
        using var bed = new WireGuardGoTestbed(weKnowTheirEndpoint: true, theyKnowOurEndpoint: true, presharedKey: false);
        AssertPing(bed.OurNamespace.Exec($"ping -c 2 -i 0.2 -W 3 {WireGuardGoTestbed.GoTunnel4}", CommandTimeout));
    }

    private static void AssertPing(TestSupport.RunResult result) =>
        Assert.True(result.ExitCode == 0, $"ping failed: {result}");

    private static void WaitForListener(WireGuardGoTestbed bed, int port)
    {
        for (var i = 0; i < 200; i++)
        {
            if (bed.GoNamespace.Exec($"ss -ltnH sport = :{port}").StandardOutput.Contains(port.ToString()))
                return;
            Thread.Sleep(20);
        }
        throw new TimeoutException($"nothing listens on port {port} in {bed.GoNamespace.Name}");
    }
}
