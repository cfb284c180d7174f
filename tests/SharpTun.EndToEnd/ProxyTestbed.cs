using System.Diagnostics;
using SharpTun.TestSupport;

namespace SharpTun.EndToEnd;

/// <summary>
/// Two namespaces joined by a veth pair: "client", where SharpTun runs (its outbound sockets live
/// there), and "remote", where real servers listen (10.201.0.2 and fd42::2). Servers are started
/// with <see cref="StartServer"/> and killed on dispose, together with both namespaces.
/// </summary>
public sealed class ProxyTestbed : IDisposable
{
    public const string RemoteV4 = "10.201.0.2";
    public const string RemoteV6 = "fd42::2";

    private readonly List<Process> _servers = [];
    private readonly string _files = Path.Combine("/tmp", $"sharptun-testbed-{Guid.NewGuid():N}");
    private string? _clientEtc;



    public TestNamespace Client { get; }

    public TestNamespace Remote { get; }

    public ProxyTestbed()
    {
        Client = TestNamespace.Create("st-cli");
        try
        {
            Remote = TestNamespace.Create("st-rmt");
            Client.Ip($"link add veth-c type veth peer name veth-r netns {Remote.Name}");
            Client.Ip("addr add 10.201.0.1/24 dev veth-c");
            Client.Ip("addr add fd42::1/64 dev veth-c nodad");
            Client.Ip("link set veth-c up");
            Remote.Ip($"addr add {RemoteV4}/24 dev veth-r");
            Remote.Ip($"addr add {RemoteV6}/64 dev veth-r nodad");
            Remote.Ip("link set veth-r up");
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>Starts a server program inside the remote namespace and waits until its TCP/UDP port is bound.</summary>
    public void StartServer(int port, string protocol, string file, params string[] arguments) =>
        StartServerIn(Remote, port, protocol, file, arguments);

    /// <summary>Starts a server (a SOCKS or HTTP proxy) inside the client namespace, next to SharpTun.</summary>
    public void StartClientServer(int port, string protocol, string file, params string[] arguments) =>
        StartServerIn(Client, port, protocol, file, arguments);

    private void StartServerIn(TestNamespace ns, int port, string protocol, string file, string[] arguments)
    {
        var process = ns.Start(file, arguments);
        _servers.Add(process);
        var deadline = DateTime.UtcNow.AddSeconds(10);
        var flag = protocol == "udp" ? "-uln" : "-tln";
        while (!ns.Exec($"ss {flag}").StandardOutput.Contains($":{port} "))
        {
            if (process.HasExited || DateTime.UtcNow > deadline)
                throw new InvalidOperationException($"{file} did not start listening on {protocol} port {port}{(process.HasExited ? ": " + process.StandardError.ReadToEnd() : "")}");
            Thread.Sleep(20);
        }
    }

    /// <summary>
    /// A tiny HTTP server answering every request with "hello from remote". It writes its answer
    /// without reading the request and closes, as simple servers do (so the relay must not lose an
    /// answer that arrives before, or is followed by a reset after, the app's request).
    /// </summary>
    public void StartHttpServer(int port = 8080, string bind = RemoteV4)
    {
        var response = WriteFile("http-response", "HTTP/1.0 200 OK\r\nContent-Length: 17\r\n\r\nhello from remote");
        StartServer(port, "tcp", "socat", "-U", $"{(bind.Contains(':') ? "TCP6" : "TCP4")}-LISTEN:{port},bind={bind},fork,reuseaddr", $"OPEN:{response},rdonly");
    }

    /// <summary>The names <see cref="StartNameServer"/> knows: web.test is the remote namespace; big.test has TXT records too long for a 1232-byte UDP answer.</summary>
    public const string WebName = "web.test";

    public const string BigName = "big.test";

    /// <summary>
    /// dnsmasq on the remote namespace's port 53 (UDP and TCP), knowing <see cref="WebName"/> (IPv4 only: servers listen on <see cref="RemoteV4"/>) and
    /// <see cref="BigName"/> and nothing else. With <paramref name="clientUsesIt"/> the client
    /// namespace's programs (SharpTun, a SOCKS server) resolve through it: ip netns exec mounts
    /// /etc/netns/NAME/resolv.conf over /etc/resolv.conf, removed on dispose.
    /// </summary>
    public void StartNameServer(bool clientUsesIt = true)
    {
        var records = Enumerable.Range(0, 10).Select(i => $"--txt-record={BigName},{i}{new string('x', 200)}");
        // --keep-in-foreground, not --no-daemon: in debug mode dnsmasq serves a TCP connection
        // inline, so an upstream's idle TCP connection would stop it answering UDP.
        StartServer(53, "udp", "dnsmasq", ["--keep-in-foreground", "--user=root", "--pid-file=", "--no-resolv", "--no-hosts", "--bind-interfaces", $"--listen-address={RemoteV4}",
            "--port=53", $"--address=/{WebName}/{RemoteV4}", "--log-facility=-", .. records]);
        if (clientUsesIt)
            SetClientNameServer(RemoteV4);
    }

    /// <summary>Makes <paramref name="address"/> the client namespace's name server (/etc/netns/NAME/resolv.conf, removed on dispose).</summary>
    public void SetClientNameServer(string address)
    {
        _clientEtc = Path.Combine("/etc/netns", Client.Name);
        Directory.CreateDirectory(_clientEtc);
        File.WriteAllText(Path.Combine(_clientEtc, "resolv.conf"), $"nameserver {address}\n");
    }

    /// <summary>Writes a file (a server's configuration) into this testbed's directory, deleted on dispose; returns its path.</summary>
    public string WriteFile(string name, string contents)
    {
        Directory.CreateDirectory(_files);
        var path = Path.Combine(_files, name);
        File.WriteAllText(path, contents);
        return path;
    }

    /// <summary>Runs <c>sharptun ARGS</c> inside the client namespace to completion.</summary>
    public RunResult Sharptun(params string[] arguments) => SharptunProcess.RunIn(Client, arguments);

    public void Dispose()
    {
        foreach (var server in _servers)
        {
            if (!server.HasExited)
                server.Kill(entireProcessTree: true);
            server.WaitForExit();
            server.Dispose();
        }
        Remote?.Dispose();
        Client.Dispose();
        if (Directory.Exists(_files))
            Directory.Delete(_files, recursive: true);
        if (_clientEtc is not null && Directory.Exists(_clientEtc))
            Directory.Delete(_clientEtc, recursive: true);
    }
}
