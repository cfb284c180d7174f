using System.Diagnostics;
using SharpTun.TestSupport;
using SharpTun.Vpn;

namespace SharpTun.EndToEnd.Vpn;

/// <summary>
/// <c>vpn up</c> with <c>DNS =</c> where no resolver manager is installed (this machine): SharpTun
/// writes /etc/resolv.conf itself and puts the original back on down, or through cleanup after
/// SIGKILL. Never the host's resolv.conf: the client namespace gets its own through
/// /etc/netns/NAME (a bind mount, rewritten in place), or runs in a mount namespace whose /etc is
/// a private overlay (a plain path, replaced by rename).
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class VpnDnsTests : IDisposable
{
    private const string ServerUnderlay = "10.98.3.1", ClientUnderlay = "10.98.3.2";
    private const string ServerTunnel = "10.203.0.1", ClientTunnel = "10.203.0.2";

    /// <summary>Odd on purpose: no newline at the end, an option line, a comment.</summary>
    private static readonly byte[] NamespaceResolvConf = "# the namespace's own\nnameserver 192.0.2.53\noptions timeout:1"u8.ToArray();

    private readonly VpnLab _lab = new();
    private readonly TestNamespace _server;
    private readonly TestNamespace _client;
    private readonly WireGuardKey _serverKey = WireGuardKey.GeneratePrivate();
    private readonly WireGuardKey _clientKey = WireGuardKey.GeneratePrivate();
    private readonly byte[] _hostResolvConf = File.ReadAllBytes("/etc/resolv.conf");

    public VpnDnsTests()
    {
        _server = _lab.Namespace("dsv");
        _client = _lab.Namespace("dcl");
        _lab.Link(_server, "eth0", $"{ServerUnderlay}/24", _client, "eth0", $"{ClientUnderlay}/24");
    }

    public void Dispose()
    {
        _lab.Dispose();
        // Whatever happened above, the host's own resolver configuration was never touched.
        Assert.Equal(_hostResolvConf, File.ReadAllBytes("/etc/resolv.conf"));
    }

    private string ClientConfiguration() => _lab.Configuration("stv0.conf", $"""
        [Interface]
        PrivateKey = {_clientKey}
        Address = {ClientTunnel}/24
        DNS = {ServerTunnel}, corp.test
        [Peer]
        PublicKey = {_serverKey.DerivePublic()}
        AllowedIPs = {ServerTunnel}/32
        Endpoint = {ServerUnderlay}:51820
        """);

    private static ulong Inode(string path) =>
        ulong.Parse(Run.Checked($"stat -c %i {path}").Trim(), System.Globalization.CultureInfo.InvariantCulture);

    [Fact]
    public void Up_NamespaceWithItsOwnResolvConf_RewritesItInPlace_NamesResolveThroughTheTunnel_DownRestoresEveryByte()
    {
        var resolvConf = _lab.ResolvConf(_client, NamespaceResolvConf);
        var inode = Inode(resolvConf);
        _lab.Up(_server, _lab.Configuration("stv1.conf", $"""
            [Interface]
            PrivateKey = {_serverKey}
            Address = {ServerTunnel}/24
            ListenPort = 51820
            [Peer]
            PublicKey = {_clientKey.DerivePublic()}
            AllowedIPs = {ClientTunnel}/32
            """));
        _lab.Start(_server, "dnsmasq", "--keep-in-foreground", "--no-resolv", "--no-hosts", "--bind-interfaces",
            $"--listen-address={ServerTunnel}", "--address=/db.corp.test/10.203.0.99", "--user=root", "--pid-file=");
        WaitForUdpListener(_server, $"{ServerTunnel}:53");

        var up = _lab.Up(_client, ClientConfiguration());

        Assert.Contains(@"[#] printf 'nameserver 10.203.0.1\nsearch corp.test\n' > /etc/resolv.conf    # a bind mount", up.StandardError);
        var written = File.ReadAllText(resolvConf);
        Assert.Matches(@"^# Written by SharpTun \(pid \d+\) for the DNS of the VPN interface stv0\.\n# 'sharptun vpn down stv0' puts the previous file back \('sharptun cleanup' if that process died\)\.\nnameserver 10\.203\.0\.1\nsearch corp\.test\n$", written);
        Assert.Equal(written, _client.Exec("cat /etc/resolv.conf").StandardOutput);
        Assert.Equal(inode, Inode(resolvConf)); // rewritten, not replaced: the namespace's bind mounts keep seeing it
        // "db" + the search domain, asked of the server's dnsmasq through the tunnel.
        var lookup = _client.Exec("getent hosts db", VpnLab.CommandTimeout);
        Assert.True(lookup.ExitCode == 0, $"{lookup}\n{up.StandardError}");
        Assert.Matches(@"^10\.203\.0\.99\s+db\.corp\.test\n$", lookup.StandardOutput);

        _lab.Down(_client, "stv0", up);

        Assert.Equal(NamespaceResolvConf, File.ReadAllBytes(resolvConf));
        Assert.Equal(inode, Inode(resolvConf));
        Assert.DoesNotContain(_lab.Journals.Journals(), journal => File.ReadAllText(journal).Contains("resolv-conf", StringComparison.Ordinal));
    }

    [Fact]
    public void Up_Killed_CleanupFromTheHostRestoresTheNamespacesResolvConf()
    {
        var resolvConf = _lab.ResolvConf(_client, NamespaceResolvConf);
        var before = NamespaceSnapshot.Take(_client);
        var up = _lab.Up(_client, ClientConfiguration());
        Assert.StartsWith("# Written by SharpTun", File.ReadAllText(resolvConf));

        up.Signal(9); // SIGKILL: no undo
        up.WaitForExit();
        Assert.StartsWith("# Written by SharpTun", File.ReadAllText(resolvConf));

        // From the host's mount namespace, where /etc/resolv.conf is the host's: the journal knows
        // the file was /etc/netns/NAME/resolv.conf, bind-mounted.
        var cleanup = SharptunProcess.Run("cleanup", "--journal-dir", _lab.Journals.Path);

        Assert.True(cleanup.ExitCode == 0, cleanup.ToString());
        Assert.Contains("/etc/resolv.conf rewritten in place", cleanup.StandardError);
        Assert.Equal(NamespaceResolvConf, File.ReadAllBytes(resolvConf));
        Assert.Equal(before, NamespaceSnapshot.Take(_client));
        Assert.Empty(_lab.Journals.Journals());
    }

    [Fact]
    public void Up_ResolvConfIsASymlink_ReplacedByRename_DownBringsTheSymlinkBack()
    {
        using var etc = PrivateEtcWithManagedResolvConf();
        var link = etc.Outside("/etc/resolv.conf");
        var target = new FileInfo(link).LinkTarget!;

        var up = _lab.Up(_client, ClientConfiguration(), etc.Launcher);

        Assert.Contains($"[#] printf 'nameserver 10.203.0.1\\nsearch corp.test\\n' > /etc/resolv.conf    # replaced atomically (no resolvconf or resolvectl here); the symlink to {target} comes back on down", up.StandardError);
        Assert.Null(new FileInfo(link).LinkTarget);
        Assert.StartsWith("# Written by SharpTun", File.ReadAllText(link));
        Assert.Equal(NamespaceResolvConf, File.ReadAllBytes(etc.Outside(target)));
        Assert.Empty(Directory.GetFiles(etc.Outside("/etc"), ".resolv.conf*")); // the temporary file was renamed

        _lab.Down(_client, "stv0", up);

        Assert.Equal(target, new FileInfo(link).LinkTarget);
        Assert.Equal(NamespaceResolvConf, File.ReadAllBytes(etc.Outside(target))); // untouched throughout
        Assert.Empty(Directory.GetFiles(etc.Outside("/etc"), ".resolv.conf*"));
    }

    /// <summary>Cleanup in the mount namespace the file was replaced in: /etc/resolv.conf is the very file.</summary>
    [Fact]
    public void Up_KilledInAPrivateMountNamespace_CleanupThereBringsTheSymlinkBack()
    {
        using var etc = PrivateEtcWithManagedResolvConf();
        var link = etc.Outside("/etc/resolv.conf");
        var target = new FileInfo(link).LinkTarget!;
        var up = _lab.Up(_client, ClientConfiguration(), etc.Launcher);
        Assert.Null(new FileInfo(link).LinkTarget);

        up.Signal(9);
        up.WaitForExit();
        var cleanup = etc.Run("dotnet", SharptunProcess.DllPath, "cleanup", "--journal-dir", _lab.Journals.Path);

        Assert.True(cleanup.ExitCode == 0, cleanup.ToString());
        Assert.Equal(target, new FileInfo(link).LinkTarget);
        Assert.Empty(_lab.Journals.Journals());
    }

    /// <summary>
    /// Cleanup from the host's mount namespace, where /etc/resolv.conf is another file: it finds the
    /// one it replaced through a process of the private namespace (/proc/PID/root).
    /// </summary>
    [Fact]
    public void Up_KilledInAPrivateMountNamespace_CleanupFromTheHostBringsTheSymlinkBack()
    {
        using var etc = PrivateEtcWithManagedResolvConf();
        var link = etc.Outside("/etc/resolv.conf");
        var target = new FileInfo(link).LinkTarget!;
        var up = _lab.Up(_client, ClientConfiguration(), etc.Launcher);
        Assert.Null(new FileInfo(link).LinkTarget);

        up.Signal(9);
        up.WaitForExit();
        var cleanup = SharptunProcess.Run("cleanup", "--journal-dir", _lab.Journals.Path);

        Assert.True(cleanup.ExitCode == 0, cleanup.ToString());
        Assert.Equal(target, new FileInfo(link).LinkTarget);
        Assert.Empty(_lab.Journals.Journals());
    }

    [Fact]
    public void Up_ReadOnlyEtc_RefusesBeforeTheTunnelGoesUpAndChangesNothing()
    {
        using var etc = PrivateEtc.Create("mount -o remount,bind,ro /etc");
        var before = NamespaceSnapshot.Take(_client);

        using var up = SharptunProcess.StartIn(_client, etc.Launcher, "vpn", "up", ClientConfiguration(), "--journal-dir", _lab.Journals.Path, "--run-dir", _lab.RunDirectory(_client));

        Assert.NotEqual(0, up.WaitForExit(VpnLab.CommandTimeout));
        Assert.Contains($"cannot apply the DNS servers of stv0 ({ServerTunnel}): /etc is not writable: Read-only file system (EROFS); remove DNS from the configuration", up.StandardError);
        Assert.DoesNotContain("[#]", up.StandardError);
        Assert.Equal(before, NamespaceSnapshot.Take(_client));
        Assert.Empty(_lab.Journals.Journals());
    }

    /// <summary>A private /etc whose resolv.conf is a symlink to a resolver manager's file elsewhere, as NetworkManager sets it up.</summary>
    private static PrivateEtc PrivateEtcWithManagedResolvConf()
    {
        var etc = PrivateEtc.Create("""mkdir "$S/managed" && touch "$S/managed/resolv.conf" && ln -sfn "$S/managed/resolv.conf" /etc/resolv.conf""");
        File.WriteAllBytes(etc.Outside($"{etc.Scratch}/managed/resolv.conf"), NamespaceResolvConf);
        return etc;
    }

    private static void WaitForUdpListener(TestNamespace ns, string address)
    {
        var watch = Stopwatch.StartNew();
        while (!ns.Exec("ss -Hlun").StandardOutput.Contains(address, StringComparison.Ordinal))
        {
            if (watch.Elapsed > TimeSpan.FromSeconds(10))
                throw new TimeoutException($"nothing listens on UDP {address} in {ns.Name}");
            Thread.Sleep(20);
        }
    }
}
