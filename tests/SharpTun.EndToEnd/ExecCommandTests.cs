using System.Security.Cryptography;
using System.Text.RegularExpressions;
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
    public void Exec_UdpEcho_RoundTripsAndLogsTheFlow()
    {
        _bed.StartServer(7777, "udp", "socat", $"UDP4-RECVFROM:7777,bind={ProxyTestbed.RemoteV4},fork", "EXEC:cat");
        var run = _bed.Sharptun("exec", "--log-level", "Information", "--", "sh", "-c", $"echo hello-udp | socat -T 5 - UDP4:{ProxyTestbed.RemoteV4}:7777");
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal("hello-udp\n", run.StandardOutput);
        // The association is still open when sh exits, so shutdown ends it; "hello-udp\n" is 10 bytes each way.
        Assert.Matches($@"udp 198\.19\.0\.1:\d+ -> {Regex.Escape(ProxyTestbed.RemoteV4)}:7777 via direct: Shutdown, up 10 B in 1 datagrams, down 10 B in 1 datagrams, \d+\.\d{{3}} s", run.StandardError);
        Assert.Contains("sharptun: sh exited with 0; 0 tcp connections proxied, 0 refused, 1 udp flow\n", run.StandardError);
    }

    [Fact]
    public void Exec_Pcap_HoldsTheUdpRequestAndTheReplyTheProxyBuilt()
    {
        _bed.StartServer(7777, "udp", "socat", $"UDP4-RECVFROM:7777,bind={ProxyTestbed.RemoteV4},fork", "EXEC:cat");
        var pcap = _bed.WriteFile("exec.pcap", "");
        var run = _bed.Sharptun("exec", "--pcap", pcap, "--", "sh", "-c", $"echo hello-udp | socat -T 5 - UDP4:{ProxyTestbed.RemoteV4}:7777");
        Assert.True(run.ExitCode == 0, run.ToString());

        var tshark = Run.Command("tshark", ["-r", pcap, "-Y", "udp.port == 7777", "-T", "fields", "-e", "ip.src", "-e", "ip.dst", "-e", "data.text",
            "-o", "data.show_as_text:TRUE"]);

        Assert.True(tshark.ExitCode == 0, tshark.ToString());
        var lines = tshark.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Contains(lines, line => line.StartsWith($"198.19.0.1\t{ProxyTestbed.RemoteV4}\thello-udp", StringComparison.Ordinal)); // request, read from the TUN
        Assert.Contains(lines, line => line.StartsWith($"{ProxyTestbed.RemoteV4}\t198.19.0.1\thello-udp", StringComparison.Ordinal)); // reply, built by the proxy
    }

    [Fact]
    public void Exec_ThroughDanteWithUsernameAuth_GetsPageAndWrongPasswordIsRefused()
    {
        // Dante's "username" method checks the system's password database (no PAM): a user of our own.
        var user = $"st{Guid.NewGuid():N}"[..12];
        Run.Checked($"useradd --no-create-home --shell /usr/sbin/nologin {user}");
        try
        {
            using (var chpasswd = Run.Start("chpasswd", []))
            {
                chpasswd.StandardInput.WriteLine($"{user}:s3cret-pw");
                chpasswd.StandardInput.Close();
                Assert.True(chpasswd.WaitForExit(10_000) && chpasswd.ExitCode == 0, "chpasswd failed");
            }
            _bed.StartHttpServer();
            var config = _bed.WriteFile("danted-auth.conf", """
                logoutput: stderr
                internal: 127.0.0.1 port = 1082
                external: veth-c
                clientmethod: none
                socksmethod: username
                user.privileged: root
                user.unprivileged: nobody
                client pass {
                    from: 127.0.0.0/8 to: 0.0.0.0/0
                }
                socks pass {
                    from: 127.0.0.0/8 to: 0.0.0.0/0
                    command: connect
                }
                """);
            _bed.StartClientServer(1082, "tcp", "danted", "-f", config, "-p", _bed.WriteFile("danted-auth.pid", ""));

            var good = _bed.Sharptun("exec", "--proxy", $"socks5://{user}:s3cret-pw@127.0.0.1:1082", "--", "curl", "-sS", "-m", "10", $"http://{ProxyTestbed.RemoteV4}:8080/");
            var bad = _bed.Sharptun("exec", "--proxy", $"socks5://{user}:wrong@127.0.0.1:1082", "--log-level", "Information", "--", "curl", "-sS", "-m", "10", $"http://{ProxyTestbed.RemoteV4}:8080/");

            Assert.True(good.ExitCode == 0, good.ToString());
            Assert.Equal("hello from remote", good.StandardOutput);
            Assert.Equal(7, bad.ExitCode); // refused with RST
            Assert.Contains("AuthenticationFailed", bad.StandardError);
        }
        finally
        {
            Run.Line($"userdel {user}");
        }
    }

    [Fact]
    public void Exec_ThroughTinyproxyWithBasicAuth_GetsPageAndWrongPasswordIsRefused()
    {
        var config = _bed.WriteFile("tinyproxy-auth.conf", "Port 8889\nListen 127.0.0.1\nAllow 127.0.0.1\nConnectPort 8080\nMaxClients 100\nBasicAuth tester s3cret-pw\n");
        _bed.StartHttpServer();
        _bed.StartClientServer(8889, "tcp", "tinyproxy", "-d", "-c", config);

        var good = _bed.Sharptun("exec", "--proxy", "http://tester:s3cret-pw@127.0.0.1:8889", "--", "curl", "-sS", "-m", "10", $"http://{ProxyTestbed.RemoteV4}:8080/");
        var bad = _bed.Sharptun("exec", "--proxy", "http://tester:wrong@127.0.0.1:8889", "--log-level", "Information", "--", "curl", "-sS", "-m", "10", $"http://{ProxyTestbed.RemoteV4}:8080/");

        Assert.True(good.ExitCode == 0, good.ToString());
        Assert.Equal("hello from remote", good.StandardOutput);
        Assert.Equal(7, bad.ExitCode);
        Assert.Contains("AuthenticationFailed", bad.StandardError);
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
    public void Exec_OneGibibyteDownload_Sha256Matches()
    {
        var file = Path.Combine("/tmp", $"sharptun-large-{Guid.NewGuid():N}");
        try
        {
            var expected = WriteRandomFile(file, 1L << 30);
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

    /// <summary>Writes <paramref name="length"/> seeded random bytes and returns their SHA-256 (hex).</summary>
    private static string WriteRandomFile(string path, long length)
    {
        var random = new Random(2026);
        var chunk = new byte[1 << 20];
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        using var output = File.Create(path);
        for (long written = 0; written < length; written += chunk.Length)
        {
            random.NextBytes(chunk);
            hash.AppendData(chunk);
            output.Write(chunk);
        }
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    [Fact]
    public void Exec_TwoThousandSimultaneousConnections_AllComplete()
    {
        // All 2,000 connections are open at the same time before any exchanges data; then each sends
        // a line and must read its own echo back. The server echoes each connection on its own.
        var server = _bed.WriteFile("echo-server.py", """
            import asyncio, sys
            async def echo(reader, writer):
                try:
                    while data := await reader.read(4096):
                        writer.write(data)
                        await writer.drain()
                finally:
                    writer.close()
            async def main():
                server = await asyncio.start_server(echo, sys.argv[1], int(sys.argv[2]), backlog=4096)
                await server.serve_forever()
            asyncio.run(main())
            """);
        var client = _bed.WriteFile("simultaneous-client.py", """
            import asyncio, resource, sys
            host, port, count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
            resource.setrlimit(resource.RLIMIT_NOFILE, (count + 256, count + 256))
            async def main():
                connections = await asyncio.gather(*(asyncio.open_connection(host, port) for _ in range(count)))
                print(f"open {len(connections)}", flush=True)
                async def exchange(i, reader, writer):
                    line = f"connection {i}\n".encode()
                    writer.write(line)
                    await writer.drain()
                    answer = await reader.readexactly(len(line))
                    writer.close()
                    return answer == line
                results = await asyncio.gather(*(exchange(i, r, w) for i, (r, w) in enumerate(connections)))
                print(f"echoed {sum(results)}", flush=True)
            asyncio.run(asyncio.wait_for(main(), 60))
            """);
        _bed.StartServer(9100, "tcp", "python3", server, ProxyTestbed.RemoteV4, "9100");

        var run = _bed.Sharptun("exec", "--", "python3", client, ProxyTestbed.RemoteV4, "9100", "2000");

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("open 2000", run.StandardOutput);
        Assert.Contains("echoed 2000", run.StandardOutput);
        Assert.Contains("2000 tcp connections proxied, 0 refused", run.StandardError);
    }

    [Fact]
    public void Exec_ThroughMicrosocks_GetsPage()
    {
        _bed.StartHttpServer();
        _bed.StartClientServer(1080, "tcp", "microsocks", "-i", "127.0.0.1", "-p", "1080");
        var run = _bed.Sharptun("exec", "--proxy", "socks5://127.0.0.1:1080", "--", "curl", "-sS", "-m", "10", $"http://{ProxyTestbed.RemoteV4}:8080/");
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal("hello from remote", run.StandardOutput);
    }

    [Fact]
    public void Exec_ThroughTinyproxyHttpConnect_GetsPage()
    {
        var config = _bed.WriteFile("tinyproxy.conf", "Port 8888\nListen 127.0.0.1\nAllow 127.0.0.1\nConnectPort 8080\nMaxClients 100\n");
        _bed.StartHttpServer();
        _bed.StartClientServer(8888, "tcp", "tinyproxy", "-d", "-c", config);
        var run = _bed.Sharptun("exec", "--proxy", "http://127.0.0.1:8888", "--", "curl", "-sS", "-m", "10", $"http://{ProxyTestbed.RemoteV4}:8080/");
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal("hello from remote", run.StandardOutput);
    }

    [Fact]
    public void Exec_DigThroughDanteUdpAssociate_Resolves()
    {
        _bed.StartServer(53, "udp", "dnsmasq", "--keep-in-foreground", "--no-resolv", "--no-hosts", "--bind-interfaces",
            $"--listen-address={ProxyTestbed.RemoteV4}", "--address=/test.example/10.1.2.3", "--user=root", "--pid-file=");
        var config = _bed.WriteFile("danted.conf", """
            logoutput: stderr
            internal: 127.0.0.1 port = 1081
            external: veth-c
            clientmethod: none
            socksmethod: none
            user.privileged: root
            user.unprivileged: nobody
            client pass {
                from: 127.0.0.0/8 to: 0.0.0.0/0
            }
            socks pass {
                from: 127.0.0.0/8 to: 0.0.0.0/0
                command: connect udpassociate
            }
            socks pass {
                from: 0.0.0.0/0 to: 127.0.0.0/8
                command: udpreply
            }
            """);
        _bed.StartClientServer(1081, "tcp", "danted", "-f", config, "-p", _bed.WriteFile("danted.pid", ""));

        // --dns off: the query must travel as a UDP flow (SharpTun's own DNS would answer it otherwise).
        var run = _bed.Sharptun("exec", "--proxy", "socks5://127.0.0.1:1081", "--dns", "off", "--", "dig", $"@{ProxyTestbed.RemoteV4}", "test.example", "+short", "+tries=2", "+time=3");

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal("10.1.2.3", run.StandardOutput.Trim());
    }

    [Fact]
    public void Exec_Iperf3TcpBothDirectionsAndUdp_Complete()
    {
        _bed.StartServer(5201, "tcp", "iperf3", "-s", "-B", ProxyTestbed.RemoteV4);
        foreach (var extra in new[] { "", "-R", "-u -b 200M" })
        {
            var run = _bed.Sharptun(["exec", "--", "iperf3", "-c", ProxyTestbed.RemoteV4, "-t", "2", "-J", .. extra.Split(' ', StringSplitOptions.RemoveEmptyEntries)]);
            Assert.True(run.ExitCode == 0, run.ToString());
            using var report = System.Text.Json.JsonDocument.Parse(run.StandardOutput); // stdout is iperf3's clean JSON
            var end = report.RootElement.GetProperty("end");
            var bytes = extra.Contains("-u")
                ? end.GetProperty("sum").GetProperty("bytes").GetInt64()
                : end.GetProperty("sum_received").GetProperty("bytes").GetInt64();
            Assert.True(bytes > 10_000_000, $"iperf3 {extra} moved only {bytes} bytes");
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

            // From the host, as a user would after a crash; cleanup enters the namespace the journal
            // names. (A sharptun started by a parallel test may get there first: every start cleans up.)
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
        while (!NamespaceList().Contains(name))
        {
            Assert.True(DateTime.UtcNow < deadline, $"sharptun exec did not create namespace {name}");
            Thread.Sleep(50);
        }
    }
}
