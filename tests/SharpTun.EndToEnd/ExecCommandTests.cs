using System.Security.Cryptography;
using SharpTun.TestSupport;

namespace SharpTun.EndToEnd;

/// <summary>
/// <c>sharptun exec</c> running real clients (curl, socat) in its own namespace against real servers
/// in a remote namespace, from a client namespace where SharpTun's outbound sockets live.
/// </summary>
public sealed class ExecCommandTests : IDisposable
{
    private readonly ProxyTestbed _bed = new();

    public void Dispose() => _bed.Dispose();

    [Fact]
    public void Exec_CurlV4_GetsPageAndExitsWithCurlsCode()
    {
        _bed.StartHttpServer();
        var run = _bed.Sharptun("exec", "--", "curl", "-sS", "-m", "10", $"http://{ProxyTestbed.RemoteV4}:8080/");
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal("hello from remote", run.StandardOutput); // stdout is curl's alone
        Assert.Contains("1 tcp connection proxied", run.StandardError);
    }

    [Fact]
    public void Exec_CurlV6_GetsPage()
    {
        _bed.StartHttpServer(8080, $"[{ProxyTestbed.RemoteV6}]");
        var run = _bed.Sharptun("exec", "--", "curl", "-sS", "-m", "10", $"http://[{ProxyTestbed.RemoteV6}]:8080/");
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal("hello from remote", run.StandardOutput);
    }

    [Fact]
    public void Exec_PortWithNoListener_AppSeesConnectionRefused()
    {
        var run = _bed.Sharptun("exec", "--", "curl", "-sS", "-m", "10", $"http://{ProxyTestbed.RemoteV4}:8081/");
        Assert.Equal(7, run.ExitCode); // curl: couldn't connect (an RST to the SYN), not an empty reply
        Assert.Contains("1 refused", run.StandardError);
    }

    [Fact]
    public void Exec_RejectOutbound_AppSeesConnectionRefused()
    {
        _bed.StartHttpServer();
        var run = _bed.Sharptun("exec", "--proxy", "reject://", "--", "curl", "-sS", "-m", "10", $"http://{ProxyTestbed.RemoteV4}:8080/");
        Assert.Equal(7, run.ExitCode);
    }

    [Fact]
    public void Exec_UdpEcho_RoundTrips()
    {
        _bed.StartServer(7777, "udp", "socat", $"UDP4-RECVFROM:7777,bind={ProxyTestbed.RemoteV4},fork", "EXEC:cat");
        var run = _bed.Sharptun("exec", "--", "sh", "-c", $"echo hello-udp | socat -T 5 - UDP4:{ProxyTestbed.RemoteV4}:7777");
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal("hello-udp\n", run.StandardOutput);
    }

    [Fact]
    public void Exec_ClientHalfCloses_StillReadsTheWholeAnswer()
    {
        // The server answers only after EOF: the app's shutdown(SHUT_WR) must reach it through the relay.
        _bed.StartServer(9000, "tcp", "socat", $"TCP-LISTEN:9000,bind={ProxyTestbed.RemoteV4},reuseaddr", "EXEC:sha256sum");
        var run = _bed.Sharptun("exec", "--", "sh", "-c", $"head -c 8388608 /dev/zero | socat -t 10 - TCP:{ProxyTestbed.RemoteV4}:9000");
        Assert.True(run.ExitCode == 0, run.ToString());
        var expected = Convert.ToHexStringLower(SHA256.HashData(new byte[8 * 1024 * 1024]));
        Assert.StartsWith(expected, run.StandardOutput);
    }

    [Fact]
    public void Exec_LargeDownload_Sha256Matches()
    {
        var file = Path.Combine("/tmp", $"sharptun-large-{Guid.NewGuid():N}");
        try
        {
            var data = new byte[256 * 1024 * 1024];
            new Random(2026).NextBytes(data);
            File.WriteAllBytes(file, data);
            var expected = Convert.ToHexStringLower(SHA256.HashData(data));
            _bed.StartServer(9001, "tcp", "socat", $"TCP-LISTEN:9001,bind={ProxyTestbed.RemoteV4},reuseaddr", $"OPEN:{file},rdonly");

            var run = _bed.Sharptun("exec", "--", "sh", "-c", $"socat -u TCP:{ProxyTestbed.RemoteV4}:9001 - | sha256sum");

            Assert.True(run.ExitCode == 0, run.ToString());
            Assert.StartsWith(expected, run.StandardOutput);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void Exec_ManyConcurrentConnections_AllComplete()
    {
        _bed.StartHttpServer();
        var run = _bed.Sharptun("exec", "--", "curl", "-s", "--parallel", "--parallel-max", "200", "-m", "30",
            "-o", "/dev/null", "-w", "%{http_code}\\n", $"http://{ProxyTestbed.RemoteV4}:8080/[1-500]");
        Assert.True(run.ExitCode == 0, run.ToString());
        var codes = run.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(500, codes.Length);
        Assert.All(codes, code => Assert.Equal("200", code));
    }

    [Fact]
    public void Exec_ThroughMicrosocks_GetsPage()
    {
        _bed.StartHttpServer();
        using var socks = _bed.Client.Start("microsocks", ["-i", "127.0.0.1", "-p", "1080"]);
        try
        {
            WaitForListener(_bed.Client, 1080);
            var run = _bed.Sharptun("exec", "--proxy", "socks5://127.0.0.1:1080", "--", "curl", "-sS", "-m", "10", $"http://{ProxyTestbed.RemoteV4}:8080/");
            Assert.True(run.ExitCode == 0, run.ToString());
            Assert.Equal("hello from remote", run.StandardOutput);
        }
        finally
        {
            socks.Kill(entireProcessTree: true);
            socks.WaitForExit();
        }
    }

    [Fact]
    public void Exec_CommandExitCode_IsPassedThrough()
    {
        var run = _bed.Sharptun("exec", "--", "sh", "-c", "exit 7");
        Assert.Equal(7, run.ExitCode);
    }

    [Fact]
    public void Exec_Terminated_StopsCommandAndRemovesNamespace()
    {
        using var exec = SharptunProcess.StartIn(_bed.Client, "exec", "--", "sleep", "60");
        var ns = $"sharptun-{exec.Id}"; // named namespaces are global: look for this run's only
        WaitForNamespace(ns);
        Thread.Sleep(500); // let sleep start inside it
        exec.Signal(15);
        exec.WaitForExit(TimeSpan.FromSeconds(20));
        Assert.DoesNotContain(ns, NamespaceList());
    }

    [Fact]
    public void Exec_KilledWithSigkill_CleanupRemovesItsNamespace()
    {
        var marker = $"{Random.Shared.Next(100, 999)}.{Random.Shared.Next(100, 999)}"; // a sleep we can find again
        using var exec = SharptunProcess.StartIn(_bed.Client, "exec", "--", "sleep", marker);
        try
        {
            var ns = $"sharptun-{exec.Id}";
            WaitForNamespace(ns);
            exec.Signal(9);
            exec.WaitForExit();
            Assert.Contains(ns, NamespaceList());

            // From the host, as a user would after a crash; cleanup enters the namespace the journal names.
            var cleanup = SharptunProcess.Run("cleanup");

            Assert.True(cleanup.ExitCode == 0, cleanup.ToString());
            Assert.DoesNotContain(ns, NamespaceList());
        }
        finally
        {
            Run.Line($"pkill -f sleep.{marker}");
        }
    }

    private static string NamespaceList() => Run.Checked("ip netns list");

    private static void WaitForNamespace(string name)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!NamespaceList().Contains(name) && DateTime.UtcNow < deadline)
            Thread.Sleep(50);
    }

    private static void WaitForListener(TestNamespace ns, int port)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!ns.Exec("ss -tln").StandardOutput.Contains($":{port} ") && DateTime.UtcNow < deadline)
            Thread.Sleep(20);
    }
}
