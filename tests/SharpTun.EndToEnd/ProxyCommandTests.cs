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

        Assert.Matches(@"status: \d+ tcp sessions open \(1 proxied, 0 refused\), 0 udp associations; managed heap \d+ KiB live, resident \d+ MiB", proxy.StandardError);
        Assert.Equal(0, _bed.Client.Exec($"curl -sS -m 10 http://{ProxyTestbed.RemoteV4}:8080/").ExitCode); // still serving
        proxy.Signal(15);
        Assert.Equal(0, proxy.WaitForExit());
    }

    [Fact]
    public void Proxy_BadProxyUrl_ExitsTwoNamingTheProblem()
    {
        var run = _bed.Sharptun("proxy", "--proxy", "socks5://127.0.0.1");
        Assert.Equal(2, run.ExitCode);
        Assert.Contains("port", run.StandardError);
    }
}
