using System.Net;
using System.Text.RegularExpressions;

namespace SharpTun.EndToEnd;

/// <summary>
/// Fake-IP DNS in <c>sharptun exec</c>: dig, curl and socat by name inside the namespace, a
/// dnsmasq in the remote namespace as the only server that knows the names, reached from the
/// client namespace where SharpTun and the SOCKS server run.
/// </summary>
public sealed class ExecDnsTests : IDisposable
{
    private static readonly IPNetwork FakeV4 = IPNetwork.Parse("198.18.0.0/16");
    private static readonly IPNetwork FakeV6 = IPNetwork.Parse("fc00::/18");

    private readonly ProxyTestbed _bed = new();

    public void Dispose() => _bed.Dispose();

    [Fact]
    public void Exec_Dig_GetsFakeAddressesAndThePtrNameBack()
    {
        var run = _bed.Sharptun("exec", "--", "sh", "-c",
            "a=$(dig +short +time=2 +tries=1 one.example.test); echo $a; dig +short +time=2 +tries=1 AAAA one.example.test; dig +short +time=2 +tries=1 -x $a");

        Assert.True(run.ExitCode == 0, run.ToString());
        var lines = run.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(3, lines.Length);
        Assert.True(FakeV4.Contains(IPAddress.Parse(lines[0])), lines[0]);
        Assert.True(FakeV6.Contains(IPAddress.Parse(lines[1])), lines[1]);
        Assert.Equal("one.example.test.", lines[2]);
    }

    [Fact]
    public void Exec_QueryToAnotherResolver_IsHijacked()
    {
        _bed.StartNameServer();
        var hijacked = _bed.Sharptun("exec", "--", "dig", "+short", "+time=2", "+tries=1", $"@{ProxyTestbed.RemoteV4}", ProxyTestbed.WebName);
        var passedOn = _bed.Sharptun("exec", "--dns-hijack", "false", "--", "dig", "+short", "+time=2", "+tries=1", $"@{ProxyTestbed.RemoteV4}", ProxyTestbed.WebName);

        Assert.True(hijacked.ExitCode == 0, hijacked.ToString());
        Assert.True(FakeV4.Contains(IPAddress.Parse(hijacked.StandardOutput.Trim())), hijacked.StandardOutput);
        Assert.True(passedOn.ExitCode == 0, passedOn.ToString());
        Assert.Equal(ProxyTestbed.RemoteV4, passedOn.StandardOutput.Trim()); // proxied as UDP to dnsmasq itself
    }

    [Fact]
    public void Exec_DigOverTcp_GetsTheFakeAnswer()
    {
        var run = _bed.Sharptun("exec", "--", "dig", "+tcp", "+short", "+time=2", "+tries=1", "tcp.example.test");
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.True(FakeV4.Contains(IPAddress.Parse(run.StandardOutput.Trim())), run.StandardOutput);
    }

    [Fact]
    public void Exec_CurlByName_DirectOutboundResolvesTheNameOutside()
    {
        _bed.StartNameServer();
        _bed.StartHttpServer();
        var run = _bed.Sharptun("exec", "--log-level", "Information", "--", "curl", "-sS", "-m", "10", $"http://{ProxyTestbed.WebName}:8080/");

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal("hello from remote", run.StandardOutput);
        // curl tries the fake IPv6 address first (fc00::/18): either family reaches the name.
        Assert.Matches($@"tcp \S+ -> {Regex.Escape(ProxyTestbed.WebName)}:8080 \((198\.18\.\d+\.\d+|fc00:[0-9a-f:]+)\) via direct: Normal", run.StandardError);
    }

    [Fact]
    public void Exec_CurlByNameThroughSocks5_TheProxyGetsTheName()
    {
        // Only the SOCKS server's side can resolve web.test (microsocks asks dnsmasq): the page
        // arrives only if SharpTun sent the name rather than the fake address.
        _bed.StartNameServer();
        _bed.StartHttpServer();
        _bed.StartClientServer(1080, "tcp", "microsocks", "-i", "127.0.0.1", "-p", "1080");
        var run = _bed.Sharptun("exec", "--proxy", "socks5://127.0.0.1:1080", "--log-level", "Information", "--",
            "curl", "-sS", "-m", "10", $"http://{ProxyTestbed.WebName}:8080/");

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal("hello from remote", run.StandardOutput);
        Assert.Matches($@"-> {Regex.Escape(ProxyTestbed.WebName)}:8080 \((198\.18\.|fc00:)[^)]*\) via socks5 127\.0\.0\.1:1080: Normal", run.StandardError);
    }

    [Fact]
    public void Exec_UdpByName_DirectPathResolvesAndRepliesComeFromTheFakeAddress()
    {
        _bed.StartNameServer();
        _bed.StartServer(7777, "udp", "socat", $"UDP4-RECVFROM:7777,bind={ProxyTestbed.RemoteV4},fork", "EXEC:cat");
        var run = _bed.Sharptun("exec", "--", "sh", "-c", $"echo hello-udp | socat -T 5 - UDP4:{ProxyTestbed.WebName}:7777");

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal("hello-udp\n", run.StandardOutput); // socat takes only answers from the address it sent to
    }

    [Fact]
    public void Exec_FakeIpStore_KeepsAddressesAcrossARestart()
    {
        var store = _bed.WriteFile("fake-ip.txt", "");
        File.Delete(store);
        var first = _bed.Sharptun("exec", "--fake-ip-store", store, "--", "sh", "-c",
            "dig +short +time=2 +tries=1 a.example.test; dig +short +time=2 +tries=1 b.example.test");
        // Asked in the other order, a fresh table would give b the first address.
        var second = _bed.Sharptun("exec", "--fake-ip-store", store, "--", "sh", "-c",
            "dig +short +time=2 +tries=1 b.example.test; dig +short +time=2 +tries=1 a.example.test");

        Assert.True(first.ExitCode == 0, first.ToString());
        Assert.True(second.ExitCode == 0, second.ToString());
        var before = first.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var after = second.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, before.Length);
        Assert.NotEqual(before[0], before[1]);
        Assert.Equal([before[1], before[0]], after);
    }

    [Fact]
    public void ExecConfig_Rules_SendNamesToTheirOutboundsAndSniffedNamesToo()
    {
        _bed.StartNameServer();
        _bed.StartHttpServer();
        _bed.StartClientServer(1080, "tcp", "microsocks", "-i", "127.0.0.1", "-p", "1080");
        var config = _bed.WriteFile("rules.yaml", $$"""
            outbounds:
              - name: proxy-a
                url: socks5://127.0.0.1:1080
            rules:
              - DOMAIN,{{ProxyTestbed.WebName}},proxy-a
              - DOMAIN-SUFFIX,blocked.test,REJECT
              - MATCH,DIRECT
            """);
        var run = _bed.Sharptun("exec", "--config", config, "--log-level", "Information", "--", "sh", "-c",
            $"curl -sS -m 10 http://{ProxyTestbed.WebName}:8080/; echo; curl -sS -m 10 http://{ProxyTestbed.RemoteV4}:8080/; echo; "
            // A real address with the name only in the Host header: sniffing finds it, and the rule sends it to proxy-a.
            + $"curl -sS -m 10 --resolve {ProxyTestbed.WebName}:8080:{ProxyTestbed.RemoteV4} http://{ProxyTestbed.WebName}:8080/; echo; "
            + "curl -sS -m 10 http://www.blocked.test:8080/; echo \" blocked=$?\"");

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal("hello from remote\nhello from remote\nhello from remote\n blocked=7\n", run.StandardOutput); // curl says why on stderr
        var log = run.StandardError;
        Assert.Matches($@"-> {Regex.Escape(ProxyTestbed.WebName)}:8080 \((198\.18|fc00:)[^)]*\) via proxy-a \(socks5 127\.0\.0\.1:1080\) by rule 1 \(DOMAIN,web\.test,proxy-a\): Normal", log);
        Assert.Matches($@"-> {Regex.Escape(ProxyTestbed.RemoteV4)}:8080 via direct by rule 3 \(MATCH,DIRECT\): Normal", log);
        Assert.Matches($@"-> {Regex.Escape(ProxyTestbed.WebName)}:8080 \({Regex.Escape(ProxyTestbed.RemoteV4)}\) via proxy-a \(socks5 127\.0\.0\.1:1080\) by rule 1", log);
        Assert.Contains("-> www.blocked.test:8080 via reject by rule 2 (DOMAIN-SUFFIX,blocked.test,REJECT): refused with RST", log);
    }

    [Fact]
    public void ExecConfig_ProcessNameRule_RefusesCurlAndLetsSocatThrough()
    {
        _bed.StartHttpServer();
        var config = _bed.WriteFile("process.yaml", """
            rules:
              - PROCESS-NAME,curl,REJECT
              - MATCH,DIRECT
            """);
        var run = _bed.Sharptun("exec", "--config", config, "--log-level", "Information", "--", "sh", "-c",
            $"curl -sS -m 10 http://{ProxyTestbed.RemoteV4}:8080/; echo \"curl=$?\"; socat -T 5 - TCP4:{ProxyTestbed.RemoteV4}:8080 </dev/null; echo");

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.StartsWith("curl=7\n", run.StandardOutput);
        Assert.Contains("hello from remote", run.StandardOutput);
        Assert.Contains("via reject by rule 1 (PROCESS-NAME,curl,REJECT)", run.StandardError);
        Assert.Contains("via direct by rule 2 (MATCH,DIRECT)", run.StandardError);
    }
}
