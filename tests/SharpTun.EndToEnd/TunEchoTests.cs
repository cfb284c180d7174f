using System.Text.RegularExpressions;
using SharpTun.TestSupport;
using Xunit.Abstractions;

namespace SharpTun.EndToEnd;

/// <summary>
/// <c>sharptun tun echo</c> answering the kernel's own <c>ping</c>, v4 and v6, checked with
/// <c>ping</c> and with <c>tshark</c> reading the pcap it wrote.
/// </summary>
public sealed partial class TunEchoTests(ITestOutputHelper output) : IDisposable
{
    private readonly TestNamespace _ns = TestNamespace.Create("st-echo");
    private readonly string _pcap = Path.Combine(Path.GetTempPath(), $"sharptun-echo-{Guid.NewGuid():N}.pcap");

    public void Dispose()
    {
        _ns.Dispose();
        File.Delete(_pcap);
    }

    private SharptunProcess StartEcho(params string[] extra)
    {
        var echo = SharptunProcess.StartIn(_ns, ["tun", "echo", "st0", "--address", "10.77.0.1/24",
            "--address", "fd00:77::1/64", .. extra]);
        echo.WaitForStandardError("answering");
        return echo;
    }

    [Fact]
    public void Echo_PingV4AndV6_AllAnsweredAndCapturedInPcap()
    {
        using var echo = StartEcho("--pcap", _pcap);

        var v4 = _ns.Exec("ping -c 3 -i 0.2 -W 2 10.77.0.2");
        Assert.True(v4.ExitCode == 0, v4.ToString());
        Assert.Contains("3 received", v4.StandardOutput);
        var v6 = _ns.Exec("ping -6 -c 3 -i 0.2 -W 2 fd00:77::2");
        Assert.True(v6.ExitCode == 0, v6.ToString());
        Assert.Contains("3 received", v6.StandardOutput);

        echo.Signal(2);
        Assert.Equal(0, echo.WaitForExit());

        Assert.Equal(3, CountInPcap("icmp.type == 8 && ip.dst == 10.77.0.2"));
        Assert.Equal(3, CountInPcap("icmp.type == 0 && ip.src == 10.77.0.2 && ip.dst == 10.77.0.1"));
        Assert.Equal(3, CountInPcap("icmpv6.type == 128 && ipv6.dst == fd00:77::2"));
        Assert.Equal(3, CountInPcap("icmpv6.type == 129 && ipv6.src == fd00:77::2"));
        // Wireshark recomputes every checksum we wrote and finds none bad.
        Assert.Equal(0, CountInPcap("ip.checksum.status == \"Bad\" || icmp.checksum.status == \"Bad\" || icmpv6.checksum.status == \"Bad\"",
            "-o", "ip.check_checksum:TRUE"));
    }

    [Theory]
    [InlineData("10.77.0.2")]
    [InlineData("fd00:77::2")]
    public void Echo_FloodPing_LosesNothing(string target)
    {
        using var echo = StartEcho();

        // A count, not a deadline: with -w ping exits at the deadline and counts the request still in
        // flight as lost. 200,000 requests take about 5 s at the ~40,000/s measured here.
        var flood = _ns.Exec("ping", ["-f", "-q", "-c", "200000", "-w", "60", target], TimeSpan.FromSeconds(90));
        output.WriteLine(flood.StandardOutput);
        var summary = PingSummary().Match(flood.StandardOutput);
        Assert.True(summary.Success, flood.ToString());
        var transmitted = int.Parse(summary.Groups["sent"].Value);
        var received = int.Parse(summary.Groups["received"].Value);
        Assert.Equal(200_000, transmitted);
        Assert.Equal(transmitted, received);
    }

    [Fact]
    public void Echo_MultiQueue_AnswersPings()
    {
        using var echo = StartEcho("--queues", "2");
        var v4 = _ns.Exec("ping -c 2 -i 0.2 -W 2 10.77.0.9");
        Assert.True(v4.ExitCode == 0, v4.ToString());
        Assert.Contains("multi_queue", _ns.Ip("-d link show st0"));
    }

    [Fact]
    public void Echo_OnPersistentJumboDevice_AnswersLargePingsAndLeavesDeviceAsItWas()
    {
        Assert.Equal(0, SharptunProcess.RunIn(_ns, "tun", "add", "st0", "--persist", "--mtu", "9000").ExitCode);
        var before = _ns.Ip("addr show st0");

        using (var echo = StartEcho())
        {
            var ping = _ns.Exec("ping -c 2 -i 0.2 -W 2 -s 8000 10.77.0.2");
            Assert.True(ping.ExitCode == 0, ping.ToString());
            echo.Signal(15);
            Assert.Equal(0, echo.WaitForExit());
        }

        Assert.Equal(before, _ns.Ip("addr show st0")); // the addresses echo added are gone again
    }

    [Fact]
    public void Echo_Terminated_RemovesDevice()
    {
        using var echo = StartEcho();
        echo.Signal(15);
        Assert.Equal(0, echo.WaitForExit());
        Assert.NotEqual(0, _ns.Exec("ip link show st0").ExitCode);
    }

    private int CountInPcap(string filter, params string[] options)
    {
        var result = Run.Command("tshark", ["-r", _pcap, .. options, "-Y", filter, "-T", "fields", "-e", "frame.number"]);
        Assert.True(result.ExitCode == 0, result.ToString());
        return result.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length;
    }

    [GeneratedRegex(@"(?<sent>\d+) packets transmitted, (?<received>\d+) received")]
    private static partial Regex PingSummary();
}
