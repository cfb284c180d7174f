using SharpTun.Host;
using SharpTun.TestSupport;

namespace SharpTun.EndToEnd.Vpn;

/// <summary>
/// <c>sharptun vpn check/up/down/show</c> as a user runs them, inside a namespace with an uplink
/// (<see cref="VpnUpTests"/> brings a tunnel up against wireguard-go).
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class VpnCommandTests : IDisposable
{
    private const string ClientPrivate = "kAbengqMQplbR1sohVWhlWOsZFdHyL7R0XEtCzIdqW0=";
    private const string ClientPublic = "BtetLl8xAstaQb0uvehPCyXvs8M9Dh7q/H6fDZzgHDc=";
    private const string ServerPublic = "qUrmmxNpvY2X7oTSSprE8ySgKLc31B0opLECQIUGRT0=";

    private readonly TestNamespace _ns = TestNamespace.Create("st-vpn");
    private readonly DirectoryInfo _files = Directory.CreateTempSubdirectory("sharptun-vpn-e2e-");

    public VpnCommandTests()
    {
        _ns.Ip("link add eth0 mtu 1450 type veth peer name eth0peer");
        _ns.Ip("link set eth0 up");
        _ns.Ip("link set eth0peer up");
        _ns.Ip("addr add 192.0.2.2/24 dev eth0");
        _ns.Ip("route add default via 192.0.2.254");
        _ns.WaitForIpv6Settled();
    }

    public void Dispose()
    {
        _ns.Dispose();
        _files.Delete(recursive: true);
    }

    private string Write(string name, string text)
    {
        var path = Path.Combine(_files.FullName, name);
        File.WriteAllText(path, text);
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        return path;
    }

    private string ClientFile(string name = "stv0.conf") => Write(name, $"""
        [Interface]
        PrivateKey = {ClientPrivate}
        Address = 10.2.0.2/32
        PostUp = echo %i is up
        [Peer]
        PublicKey = {ServerPublic}
        AllowedIPs = 0.0.0.0/0
        Endpoint = 198.51.100.1:51820
        PersistentKeepalive = 25
        """);

    [Fact]
    public void Check_ValidFile_PrintsTheInterfaceAndThePlanWithTheUplinkMtu()
    {
        var result = SharptunProcess.RunIn(_ns, "vpn", "check", ClientFile());

        Assert.True(result.ExitCode == 0, result.ToString());
        var output = result.StandardOutput;
        Assert.StartsWith($"interface: stv0\n  public key: {ClientPublic}\n  private key: (hidden)\n", output);
        Assert.Contains("  postup: echo stv0 is up\n", output);
        Assert.Contains($"peer: {ServerPublic}\n  endpoint: 198.51.100.1:51820\n  allowed ips: 0.0.0.0/0\n  persistent keepalive: every 25 seconds\n", output);
        Assert.Contains("ip link set mtu 1370 up dev stv0    # 1450 of the route to 198.51.100.1 via eth0, minus 80\n", output);
        Assert.Contains("ip -4 rule add priority 32765 not fwmark 0xca6c lookup 51820\n", output);
        Assert.Contains("table inet sharptun_stv0 {\n", output);
        Assert.Equal("", result.StandardError);
    }

    [Fact]
    public void Check_BrokenFile_ListsEveryErrorWithItsLineAndExitsOne()
    {
        var path = Write("stv1.conf", $"[Interface]\nPrivateKey = {ClientPrivate}\nAddress = 10.2.0.300/32\nListenPort = 99999\n[Peer]\nAllowedIPs = 10.0.0.0/8\n");

        var result = SharptunProcess.RunIn(_ns, "vpn", "check", path);

        Assert.Equal(1, result.ExitCode);
        Assert.Equal("", result.StandardOutput);
        Assert.Equal(
            [
                $"sharptun: {path}:3: '10.2.0.300/32' is not an IP address with an optional prefix length, such as 10.0.0.2/24 or fd00::2/64",
                $"sharptun: {path}:4: ListenPort '99999' is not a port number from 1 to 65535 (or 0 for any free port)",
                $"sharptun: {path}:5: this [Peer] has no PublicKey",
                $"sharptun: vpn check: {path} refused (3 errors)",
            ],
            result.StandardError.TrimEnd('\n').Split('\n'));
    }

    [Fact]
    public void Check_BadFileNameOrMissingFile_SaysWhat()
    {
        var badName = SharptunProcess.RunIn(_ns, "vpn", "check", Write("my vpn.conf", ""));
        var missing = SharptunProcess.RunIn(_ns, "vpn", "check", Path.Combine(_files.FullName, "gone.conf"));

        Assert.Equal(1, badName.ExitCode);
        Assert.Contains("the file name must be the interface name", badName.StandardError);
        Assert.Equal(1, missing.ExitCode);
        Assert.Contains("gone.conf: no such file", missing.StandardError);
    }

    [Fact]
    public void Check_WorldReadableFile_WarnsButSucceeds()
    {
        var path = ClientFile();
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.OtherRead);

        var result = SharptunProcess.RunIn(_ns, "vpn", "check", path);

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("warning: " + path + ": the file is world accessible", result.StandardError);
    }

    /// <summary>Without a data plane, up refuses after checking the file and before changing anything.</summary>
    [Fact]
    public void Up_BrokenFile_ReportsTheFileFirst()
    {
        var result = SharptunProcess.RunIn(_ns, "vpn", "up", Write("stv2.conf", "[Interface]\n"));

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("stv2.conf:1: [Interface] has no PrivateKey", result.StandardError);
        Assert.DoesNotContain("data plane", result.StandardError);
    }

    [Fact]
    public void DownAndShow_NothingRunning_SayItIsNotUp()
    {
        var run = Path.Combine(_files.FullName, "run");

        var down = SharptunProcess.Run("vpn", "down", "stv0", "--run-dir", run);
        var showOne = SharptunProcess.Run("vpn", "show", "stv0", "--run-dir", run);
        var showAll = SharptunProcess.Run("vpn", "show", "--run-dir", run);

        Assert.Equal(1, down.ExitCode);
        Assert.Contains("stv0 is not up", down.StandardError);
        Assert.Equal(1, showOne.ExitCode);
        Assert.Contains("stv0 is not up", showOne.StandardError);
        Assert.Equal(0, showAll.ExitCode);
        Assert.Equal("", showAll.StandardOutput);
    }

    [Theory]
    [InlineData("down", "bad name!")]
    [InlineData("show", "sixteen-chars-16")]
    public void DownAndShow_InvalidName_ExitsOne(string command, string name)
    {
        var result = SharptunProcess.Run("vpn", command, name, "--run-dir", _files.FullName);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("is not a VPN interface name", result.StandardError);
    }

    /// <summary>
    /// down and show find an instance through its status file. A real 'vpn up' cannot run here yet,
    /// so the instance is a sleep process with the file an instance would publish: down must send
    /// it SIGTERM and wait for it, show must print the status in wg's shape.
    /// </summary>
    [Fact]
    public void DownAndShow_RunningInstance_PrintItsStatusThenStopIt()
    {
        var run = Directory.CreateDirectory(Path.Combine(_files.FullName, "run")).FullName;
        using var instance = System.Diagnostics.Process.Start("sleep", "60");
        try
        {
            var startTime = ProcessStartTime.Read(instance.Id);
            var handshake = DateTimeOffset.UtcNow.AddSeconds(-75).ToString("O");
            File.WriteAllText(Path.Combine(run, "stv0.json"), $$"""
                {
                  "interface": "stv0", "pid": {{instance.Id}}, "startTime": {{startTime}},
                  "configurationFile": "/etc/wireguard/stv0.conf", "phase": "Running", "updated": "{{DateTimeOffset.UtcNow:O}}",
                  "status": {
                    "publicKey": "{{ClientPublic}}", "listenPort": 40000, "firewallMark": 51820,
                    "peers": [
                      { "publicKey": "{{ServerPublic}}", "hasPresharedKey": true, "endpoint": "198.51.100.1:51820",
                        "allowedIps": ["0.0.0.0/0", "::/0"], "latestHandshake": "{{handshake}}",
                        "receivedBytes": 1536, "sentBytes": 3145728, "persistentKeepalive": 25 }
                    ]
                  }
                }
                """);

            var show = SharptunProcess.Run("vpn", "show", "--run-dir", run);

            Assert.True(show.ExitCode == 0, show.ToString());
            Assert.Equal(
                $"""
                interface: stv0
                  public key: {ClientPublic}
                  private key: (hidden)
                  listening port: 40000
                  fwmark: 0xca6c

                peer: {ServerPublic}
                  preshared key: (hidden)
                  endpoint: 198.51.100.1:51820
                  allowed ips: 0.0.0.0/0, ::/0
                  latest handshake: 1 minute, 15 seconds ago
                  transfer: 1.50 KiB received, 3.00 MiB sent
                  persistent keepalive: every 25 seconds

                """,
                System.Text.RegularExpressions.Regex.Replace(show.StandardOutput, "1 minute, 1[5-9] seconds ago", "1 minute, 15 seconds ago"));

            var down = SharptunProcess.Run("vpn", "down", Path.Combine(run, "stv0.conf"), "--run-dir", run);

            Assert.True(down.ExitCode == 0, down.ToString());
            Assert.Equal("stv0 is down\n", down.StandardError);
            Assert.True(instance.WaitForExit(TimeSpan.FromSeconds(5)));
            Assert.Equal(128 + 15, instance.ExitCode);
        }
        finally
        {
            if (!instance.HasExited)
                instance.Kill();
        }
    }

    /// <summary>A state file whose process died is stale: show skips it, down says the interface is not up.</summary>
    [Fact]
    public void DownAndShow_StaleStatusFile_IsIgnored()
    {
        var run = Directory.CreateDirectory(Path.Combine(_files.FullName, "run")).FullName;
        using var gone = System.Diagnostics.Process.Start("true");
        gone.WaitForExit();
        File.WriteAllText(Path.Combine(run, "stv0.json"), $$"""{ "interface": "stv0", "pid": {{gone.Id}}, "startTime": 1, "configurationFile": "x", "phase": "Running" }""");

        Assert.Equal("", SharptunProcess.Run("vpn", "show", "--run-dir", run).StandardOutput);
        Assert.Contains("stv0 is not up", SharptunProcess.Run("vpn", "down", "stv0", "--run-dir", run).StandardError);
    }
}
