using System.Diagnostics;
using System.Net;
using SharpTun.TestSupport;

namespace SharpTun.EndToEnd.Vpn;

/// <summary>
/// A small network of namespaces for the VPN end-to-end tests: namespaces joined by veth pairs,
/// wg-quick files, <c>sharptun vpn up</c> processes, wireguard-go instances and helper programs
/// (socat, iperf3). Everything it starts or creates goes on dispose, in reverse order, even when a
/// test failed half way through.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class VpnLab : IDisposable
{
    /// <summary>The longest any one command of a test may take.</summary>
    public static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(30);

    private readonly List<IDisposable> _owned = [];
    private readonly DirectoryInfo _files = Directory.CreateTempSubdirectory("sharptun-vpn-lab-");

    public VpnLab() => Journals = Own(new JournalTestDirectory());

    public JournalTestDirectory Journals { get; }

    /// <summary>A new namespace with loopback up.</summary>
    public TestNamespace Namespace(string prefix) => Own(TestNamespace.Create(prefix));

    /// <summary>
    /// Joins two namespaces with a veth pair (<paramref name="nameA"/> in <paramref name="a"/>,
    /// <paramref name="nameB"/> in <paramref name="b"/>: created inside them, the names need not be
    /// unique on the host), gives each side its addresses ("10.0.0.1/24", "fd00::1/64") and brings
    /// both up. Without IPv6 addresses IPv6 is off on the link: link-local routes appear a moment
    /// after a link comes up, which namespace snapshots would see.
    /// </summary>
    public void Link(TestNamespace a, string nameA, string addressesA, TestNamespace b, string nameB, string addressesB)
    {
        Run.Checked($"ip link add {nameA} netns {a.Name} type veth peer name {nameB} netns {b.Name}");
        Configure(a, nameA, addressesA);
        Configure(b, nameB, addressesB);
    }

    private static void Configure(TestNamespace ns, string device, string addresses)
    {
        var list = addresses.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (!list.Any(a => a.Contains(':')) && ns.Exec($"sysctl -qw net.ipv6.conf.{device}.disable_ipv6=1") is { ExitCode: not 0 } failed)
            throw new InvalidOperationException($"cannot switch IPv6 off on {device} in {ns.Name}: {failed}");
        foreach (var address in list)
            ns.Ip($"addr add {address} dev {device}{(address.Contains(':') ? " nodad" : "")}");
        ns.Ip($"link set {device} up");
    }

    /// <summary>
    /// Sets what name resolution inside <paramref name="ns"/> reads as /etc/hosts: <c>ip netns exec</c>
    /// bind-mounts /etc/netns/NAME/hosts over it for the programs it starts. Later calls rewrite the
    /// same file in place (a running program's bind mount holds the file, not the path). The
    /// directory goes on dispose.
    /// </summary>
    public void HostsFile(TestNamespace ns, string entries) =>
        File.WriteAllText(Path.Combine(NamespaceEtc(ns), "hosts"), "127.0.0.1 localhost\n::1 localhost\n" + entries);

    /// <summary>
    /// Gives <paramref name="ns"/> its own /etc/resolv.conf, as <see cref="HostsFile"/> does /etc/hosts,
    /// and returns its path on the host (/etc/netns/NAME/resolv.conf). Programs started in the
    /// namespace then see it, and only it, at /etc/resolv.conf: a bind mount, which rename(2) cannot replace.
    /// </summary>
    public string ResolvConf(TestNamespace ns, byte[] content)
    {
        var path = Path.Combine(NamespaceEtc(ns), "resolv.conf");
        File.WriteAllBytes(path, content);
        return path;
    }

    /// <summary>/etc/netns/NAME, which <c>ip netns exec NAME</c> bind-mounts file by file over /etc; removed on dispose.</summary>
    private string NamespaceEtc(TestNamespace ns)
    {
        var directory = Path.Combine("/etc/netns", ns.Name);
        if (!Directory.Exists(directory))
        {
            Directory.CreateDirectory(directory);
            Own(new Removed(directory));
        }
        return directory;
    }

    /// <summary>Writes a wg-quick file readable only by its owner (as <c>vpn up</c> expects) and returns its path.</summary>
    public string Configuration(string fileName, string text)
    {
        var path = Path.Combine(_files.FullName, Path.GetRandomFileName(), fileName);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        return path;
    }

    /// <summary>The status directory of <c>vpn up</c>/<c>show</c>/<c>down</c> for instances in <paramref name="ns"/>.</summary>
    public string RunDirectory(TestNamespace ns) => Path.Combine(_files.FullName, "run-" + ns.Name);

    /// <summary>Starts <c>sharptun vpn up FILE</c> in <paramref name="ns"/> and waits until the interface is up.</summary>
    public SharptunProcess Up(TestNamespace ns, string file) => Up(ns, file, launcher: []);

    /// <summary>
    /// The same, started through <paramref name="launcher"/> (a command that runs the rest of its
    /// arguments, such as <c>nsenter -t PID -m --</c> to run it in a private mount namespace).
    /// </summary>
    public SharptunProcess Up(TestNamespace ns, string file, IReadOnlyList<string> launcher)
    {
        var process = Own(SharptunProcess.StartIn(ns, launcher, "vpn", "up", file, "--journal-dir", Journals.Path, "--run-dir", RunDirectory(ns)));
        process.WaitForStandardError($"{Path.GetFileNameWithoutExtension(file)} is up", CommandTimeout);
        return process;
    }

    /// <summary><c>sharptun vpn show NAME</c> in <paramref name="ns"/>.</summary>
    public RunResult Show(TestNamespace ns, string interfaceName) =>
        SharptunProcess.RunIn(ns, "vpn", "show", interfaceName, "--run-dir", RunDirectory(ns));

    /// <summary>
    /// <c>vpn show</c> until its output satisfies <paramref name="condition"/> (the status file is
    /// rewritten every second); fails with the last output after <paramref name="timeout"/>.
    /// </summary>
    public string WaitForShow(TestNamespace ns, string interfaceName, Func<string, bool> condition, TimeSpan? timeout = null)
    {
        var watch = Stopwatch.StartNew();
        while (true)
        {
            var show = Show(ns, interfaceName);
            if (show.ExitCode == 0 && condition(show.StandardOutput))
                return show.StandardOutput;
            if (watch.Elapsed > (timeout ?? TimeSpan.FromSeconds(10)))
                Assert.Fail($"vpn show {interfaceName} in {ns.Name} never showed what the test waits for:\n{show}");
            Thread.Sleep(250);
        }
    }

    /// <summary><c>sharptun vpn down NAME</c> in <paramref name="ns"/>; asserts that it and the <c>up</c> process exit 0.</summary>
    public void Down(TestNamespace ns, string interfaceName, SharptunProcess up)
    {
        var down = SharptunProcess.RunIn(ns, "vpn", "down", interfaceName, "--run-dir", RunDirectory(ns));
        Assert.True(down.ExitCode == 0, $"{down}\nup's stderr:\n{up.StandardError}");
        Assert.Equal(0, up.WaitForExit(TimeSpan.FromSeconds(15)));
    }

    /// <summary>Starts Debian's wireguard-go with interface <paramref name="interfaceName"/> in <paramref name="ns"/>.</summary>
    public WireGuardGoProcess WireGuardGo(TestNamespace ns, string interfaceName) => Own(WireGuardGoProcess.Start(ns, interfaceName));

    /// <summary>Starts a long-running helper program in <paramref name="ns"/>; it is killed on dispose.</summary>
    public Process Start(TestNamespace ns, string file, params string[] arguments) => Own(new KilledOnDispose(ns.Start(file, arguments))).Process;

    /// <summary>Waits (10 s at most) until something listens on TCP <paramref name="port"/> in <paramref name="ns"/>.</summary>
    public static void WaitForTcpListener(TestNamespace ns, int port)
    {
        var watch = Stopwatch.StartNew();
        while (!ns.Exec($"ss -Hltn sport = :{port}").StandardOutput.Contains($":{port}", StringComparison.Ordinal))
        {
            if (watch.Elapsed > TimeSpan.FromSeconds(10))
                throw new TimeoutException($"nothing listens on TCP port {port} in {ns.Name}");
            Thread.Sleep(20);
        }
    }

    /// <summary>
    /// Starts a TCP server on <paramref name="port"/> in <paramref name="ns"/> (socat) that answers
    /// each connection with the address the connection came from, one line, and closes it.
    /// </summary>
    public void StartPeerAddressEcho(TestNamespace ns, int port, bool ipv6)
    {
        Start(ns, "socat", $"{(ipv6 ? "TCP6" : "TCP4")}-LISTEN:{port},reuseaddr,fork{(ipv6 ? ",ipv6only=1" : "")}", "SYSTEM:echo $SOCAT_PEERADDR");
        WaitForTcpListener(ns, port);
    }

    /// <summary>
    /// Connects from <paramref name="ns"/> to a <see cref="StartPeerAddressEcho"/> server and returns
    /// the address it saw, in its short form ("10.0.0.1", "fd00::1"), or what went wrong.
    /// </summary>
    public static string AskPeerAddress(TestNamespace ns, string address, int port)
    {
        var target = address.Contains(':') ? $"TCP6:[{address}]:{port}" : $"TCP4:{address}:{port}";
        var result = ns.Exec("socat", ["-u", "-T", "5", $"{target},connect-timeout=5", "STDOUT"], CommandTimeout);
        var seen = result.StandardOutput.Trim().Trim('[', ']');
        return result.ExitCode == 0 && IPAddress.TryParse(seen, out var parsed) ? parsed.ToString() : $"(no address from {target}: {result})";
    }

    /// <summary>Asserts that <c>ping</c> from <paramref name="ns"/> to <paramref name="address"/> gets every answer.</summary>
    public static void AssertPings(TestNamespace ns, string address, string context = "")
    {
        var ping = ns.Exec($"ping -c 2 -i 0.2 -W 3 {address}", CommandTimeout);
        Assert.True(ping.ExitCode == 0 && ping.StandardOutput.Contains(" 0% packet loss", StringComparison.Ordinal),
            $"ping {address} from {ns.Name} failed: {ping}\n{context}");
    }

    private T Own<T>(T item) where T : IDisposable
    {
        _owned.Add(item);
        return item;
    }

    public void Dispose()
    {
        var failures = new List<Exception>();
        for (var i = _owned.Count - 1; i >= 0; i--)
        {
            try
            {
                _owned[i].Dispose();
            }
            catch (Exception e)
            {
                failures.Add(e);
            }
        }
        _files.Delete(recursive: true);
        if (failures.Count > 0)
            throw new AggregateException("cleaning up the VPN lab failed", failures);
    }

    private sealed class Removed(string directory) : IDisposable
    {
        public void Dispose() => Directory.Delete(directory, recursive: true);
    }

    private sealed class KilledOnDispose(Process process) : IDisposable
    {
        public Process Process { get; } = process;

        public void Dispose()
        {
            try
            {
                if (!Process.HasExited)
                {
                    Process.Kill(entireProcessTree: true);
                    Process.WaitForExit(5000);
                }
            }
            catch (InvalidOperationException)
            {
                // Already gone.
            }
            Process.Dispose();
        }
    }
}
