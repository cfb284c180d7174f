using SharpTun.TestSupport;

namespace SharpTun.EndToEnd;

/// <summary><c>sharptun proxy</c> in a client namespace, with a route into its device and interface binding against loops.</summary>
public sealed class ProxyCommandTests : IDisposable
{
    private readonly ProxyTestbed _bed = new();

    public void Dispose() => _bed.Dispose();

    [Fact]
    public void Proxy_RouteIntoDevice_CarriesCurlAndUndoesRouteOnExit()
    {
        _bed.StartHttpServer();
        var routesBefore = _bed.Client.Ip("-4 route show table all");
        using var proxy = SharptunProcess.StartIn(_bed.Client, "proxy", "--route", $"{ProxyTestbed.RemoteV4}/32",
            "--interface", "veth-c", "--log-level", "Information");
        proxy.WaitForStandardError("Ctrl-C stops");
        Assert.Contains("dev sharptun0", _bed.Client.Ip($"route get {ProxyTestbed.RemoteV4}"));

        var curl = _bed.Client.Exec($"curl -sS -m 10 http://{ProxyTestbed.RemoteV4}:8080/");

        Assert.True(curl.ExitCode == 0, curl + proxy.StandardError);
        Assert.Equal("hello from remote", curl.StandardOutput);
        proxy.Signal(15);
        Assert.Equal(0, proxy.WaitForExit());
        Assert.Contains($"-> {ProxyTestbed.RemoteV4}:8080 via direct: Normal", proxy.StandardError); // the per-flow line
        // IPv6 link-local routes of the veth come and go with DAD; ours must be gone in both families.
        Assert.Equal(routesBefore, _bed.Client.Ip("-4 route show table all"));
        Assert.DoesNotContain("sharptun0", _bed.Client.Ip("-6 route show table all"));
    }

    [Fact]
    public void Proxy_SystemUpstreamIsSharptunItself_RefusedAndUndone()
    {
        _bed.SetClientNameServer("198.19.0.2");
        var routesBefore = _bed.Client.Ip("-4 route show table all");

        var run = _bed.Sharptun("proxy", "--route", $"{ProxyTestbed.RemoteV4}/32");

        Assert.NotEqual(0, run.ExitCode);
        Assert.Contains("dns upstream 'system': /etc/resolv.conf names 198.19.0.2, SharpTun's own DNS address", run.StandardError);
        Assert.Equal(routesBefore, _bed.Client.Ip("-4 route show table all"));
        Assert.DoesNotContain("sharptun0", _bed.Client.Ip("link show"));
    }

    [Fact]
    public void Proxy_FakeIpDns_HijacksTheHostsResolverAndCarriesFlowsByName()
    {
        // The client namespace's resolver (dnsmasq at 10.201.0.2) is routed into the device, so its
        // queries are hijacked; SharpTun's own upstream queries and connections leave by veth-c
        // (--interface), so nothing loops back into the device.
        _bed.StartNameServer();
        _bed.StartHttpServer();
        using var proxy = SharptunProcess.StartIn(_bed.Client, "proxy", "--route", $"{ProxyTestbed.RemoteV4}/32", "--interface", "veth-c",
            "--dns-upstream", $"udp://{ProxyTestbed.RemoteV4}:53", "--log-level", "Information");
        proxy.WaitForStandardError("Ctrl-C stops");

        var dig = _bed.Client.Exec($"dig +short +time=2 +tries=1 {ProxyTestbed.WebName}");
        var curl = _bed.Client.Exec($"curl -sS -4 -m 10 http://{ProxyTestbed.WebName}:8080/");
        var excluded = _bed.Client.Exec($"dig +short +time=2 +tries=1 -t TXT {ProxyTestbed.BigName}");

        Assert.True(dig.ExitCode == 0, dig + proxy.StandardError);
        Assert.StartsWith("198.18.", dig.StandardOutput);
        Assert.True(curl.ExitCode == 0, curl + proxy.StandardError);
        Assert.Equal("hello from remote", curl.StandardOutput);
        Assert.True(excluded.ExitCode == 0, excluded + proxy.StandardError); // TXT goes upstream; too long for UDP, dig retries over TCP
        Assert.Equal(10, excluded.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        proxy.Signal(15);
        Assert.Equal(0, proxy.WaitForExit());
        Assert.Contains($"-> {ProxyTestbed.WebName}:8080 (198.18.", proxy.StandardError);
        Assert.DoesNotContain("198.18.0.0/16", _bed.Client.Ip("-4 route show table all")); // the fake range's route is undone
    }

    [Fact]
    public void Proxy_Sigusr1_PrintsStatusAndKeepsRunning()
    {
        _bed.StartHttpServer();
        using var proxy = SharptunProcess.StartIn(_bed.Client, "proxy", "--route", $"{ProxyTestbed.RemoteV4}/32",
            "--interface", "veth-c");
        proxy.WaitForStandardError("Ctrl-C stops");
        var curl = _bed.Client.Exec($"curl -sS -m 10 http://{ProxyTestbed.RemoteV4}:8080/");
        Assert.True(curl.ExitCode == 0, curl + proxy.StandardError);

        proxy.Signal(10); // SIGUSR1
        proxy.WaitForStandardError("sharptun: status: ");

        Assert.Matches(@"status: \d+ tcp sessions open \(1 proxied, 0 refused\), 0 udp associations, dns \d+ fake answers, \d+ forwarded, \d+ failed, \d+ fake names; managed heap \d+ KiB live, resident \d+ MiB", proxy.StandardError);
        Assert.Equal(0, _bed.Client.Exec($"curl -sS -m 10 http://{ProxyTestbed.RemoteV4}:8080/").ExitCode); // still serving
        proxy.Signal(15);
        Assert.Equal(0, proxy.WaitForExit());
    }

    [Fact]
    public void Proxy_TinyNatPool_RefusesTheFlowBeyondItAtOnceAndRecoversWhenFlowsEnd()
    {
        // A /30 leaves one address for virtual endpoints besides the device's own; two ports: a pool of 2.
        _bed.StartHttpServer();
        _bed.StartServer(9000, "tcp", "socat", $"TCP-LISTEN:9000,bind={ProxyTestbed.RemoteV4},fork,reuseaddr", "EXEC:cat");
        using var proxy = SharptunProcess.StartIn(_bed.Client, "proxy", "--address", "10.99.0.1/30", "--nat-ports", "20000-20001",
            "--route", $"{ProxyTestbed.RemoteV4}/32", "--interface", "veth-c", "--log-level", "Information");
        proxy.WaitForStandardError("Ctrl-C stops");
        var longLived = new List<System.Diagnostics.Process>();
        try
        {
            for (var i = 0; i < 2; i++)
                longLived.Add(_bed.Client.Start("socat", ["EXEC:sleep 60", $"TCP:{ProxyTestbed.RemoteV4}:9000"]));
            WaitUntil(() => CountEstablished(":9000") == 4, "the two long-lived connections (app and outbound sides) to be established");

            var refused = System.Diagnostics.Stopwatch.StartNew();
            var third = _bed.Client.Exec($"curl -sS -m 10 http://{ProxyTestbed.RemoteV4}:8080/");
            refused.Stop();

            Assert.Equal(7, third.ExitCode); // connection refused: an RST to the SYN, not a timeout
            Assert.True(refused.Elapsed < TimeSpan.FromSeconds(3), $"the refusal took {refused.Elapsed}");
            Assert.Single(proxy.StandardError.Split('\n'), line => line.Contains("NAT pool is exhausted (2 of 2 virtual endpoints in use)"));
        }
        finally
        {
            foreach (var process in longLived)
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit();
                process.Dispose();
            }
        }

        // The flows end; their endpoints come back after the closing grace period (5 s).
        RunResult? curl = null;
        WaitUntil(() => (curl = _bed.Client.Exec($"curl -sS -m 5 http://{ProxyTestbed.RemoteV4}:8080/")).ExitCode == 0,
            "a new connection to succeed after the long-lived ones ended", TimeSpan.FromSeconds(30));
        Assert.Equal("hello from remote", curl!.StandardOutput);
    }

    private int CountEstablished(string port) =>
        _bed.Client.Exec($"ss -Htn state established ( dport = {port} )").StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length;

    private static void WaitUntil(Func<bool> condition, string what, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(15));
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"timed out waiting for {what}");
            Thread.Sleep(200);
        }
    }

    [Fact]
    public void Proxy_BadNatPorts_ExitsTwoNamingTheOption()
    {
        var run = _bed.Sharptun("proxy", "--nat-ports", "2000-1000");
        Assert.Equal(2, run.ExitCode);
        Assert.Contains("--nat-ports '2000-1000'", run.StandardError);
    }

    [Fact]
    public void Proxy_BadProxyUrl_ExitsTwoNamingTheProblem()
    {
        var run = _bed.Sharptun("proxy", "--proxy", "socks5://127.0.0.1");
        Assert.Equal(2, run.ExitCode);
        Assert.Contains("port", run.StandardError);
    }
}
