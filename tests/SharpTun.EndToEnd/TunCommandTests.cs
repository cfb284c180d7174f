using SharpTun.TestSupport;

namespace SharpTun.EndToEnd;

/// <summary><c>sharptun tun add/del</c> checked with <c>ip</c>, each test in its own namespace.</summary>
public sealed class TunCommandTests : IDisposable
{
    private readonly TestNamespace _ns = TestNamespace.Create("st-tun");

    public void Dispose() => _ns.Dispose();

    [Fact]
    public void AddPersist_WithAddressesAndMtu_CreatesConfiguredDeviceThatDelRemoves()
    {
        var add = SharptunProcess.RunIn(_ns, "tun", "add", "st0", "--address", "10.77.0.1/24",
            "--address", "fd00:77::1/64", "--mtu", "9000", "--persist");
        Assert.True(add.ExitCode == 0, add.ToString());

        var link = _ns.Ip("-d link show st0");
        Assert.Contains("mtu 9000", link);
        Assert.Contains("tun type tun", link);
        Assert.Contains("persist on", link);
        // Administratively up; the carrier comes when a process attaches, so no LOWER_UP yet.
        Assert.Matches(@"<[^>]*\bUP\b[^>]*>", link);
        var addresses = _ns.Ip("addr show st0");
        Assert.Contains("inet 10.77.0.1/24", addresses);
        Assert.Contains("inet6 fd00:77::1/64", addresses);

        var del = SharptunProcess.RunIn(_ns, "tun", "del", "st0");
        Assert.True(del.ExitCode == 0, del.ToString());
        Assert.NotEqual(0, _ns.Exec("ip link show st0").ExitCode);
    }

    [Fact]
    public void AddPersist_WithQueues_CreatesMultiQueueDevice()
    {
        var add = SharptunProcess.RunIn(_ns, "tun", "add", "st0", "--queues", "4", "--persist");
        Assert.True(add.ExitCode == 0, add.ToString());
        Assert.Contains("multi_queue", _ns.Ip("-d link show st0"));
    }

    [Fact]
    public void AddPersist_WithOwnerAndGroup_LetsThatUserAttach()
    {
        var add = SharptunProcess.RunIn(_ns, "tun", "add", "st0", "--persist", "--owner", "nobody", "--group", "nogroup");
        Assert.True(add.ExitCode == 0, add.ToString());
        Assert.Contains("user nobody group nogroup", _ns.Ip("-d link show st0"));
    }

    [Fact]
    public void Add_NameOfExistingPersistentTun_ExitsOneInsteadOfAttaching()
    {
        Assert.Equal(0, SharptunProcess.RunIn(_ns, "tun", "add", "st0", "--persist").ExitCode);
        var again = SharptunProcess.RunIn(_ns, "tun", "add", "st0", "--persist", "--mtu", "1400");
        Assert.Equal(1, again.ExitCode);
        Assert.Contains("already exists", again.StandardError);
        Assert.Contains("mtu 1500", _ns.Ip("link show st0"));
    }

    [Fact]
    public void Add_UnknownOwner_ExitsOneNamingTheUser()
    {
        var add = SharptunProcess.RunIn(_ns, "tun", "add", "st0", "--persist", "--owner", "no-such-user-x");
        Assert.Equal(1, add.ExitCode);
        Assert.Contains("no-such-user-x", add.StandardError);
        Assert.NotEqual(0, _ns.Exec("ip link show st0").ExitCode);
    }

    [Fact]
    public void Add_WithoutPersist_KeepsDeviceUntilInterrupted()
    {
        using var tun = SharptunProcess.StartIn(_ns, "tun", "add", "st1", "--address", "10.78.0.1/24");
        tun.WaitForStandardError("Ctrl-C");
        Assert.Contains("inet 10.78.0.1/24", _ns.Ip("addr show st1"));

        tun.Signal(2);
        Assert.Equal(0, tun.WaitForExit());
        Assert.NotEqual(0, _ns.Exec("ip link show st1").ExitCode);
    }

    [Fact]
    public void Add_NameAlreadyInUseByAnotherKind_ExitsOneNamingTheDevice()
    {
        _ns.Ip("link add st2 type veth peer name st2peer");
        var add = SharptunProcess.RunIn(_ns, "tun", "add", "st2", "--persist");
        Assert.Equal(1, add.ExitCode);
        Assert.Contains("st2", add.StandardError);
        Assert.Single(add.StandardError.Trim().Split('\n'));
    }

    [Theory]
    [InlineData("--mtu", "70000")]
    [InlineData("--mtu", "20")]
    [InlineData("--queues", "0")]
    [InlineData("--address", "10.0.0.1")]
    [InlineData("--address", "10.0.0.1/33")]
    [InlineData("--bogus", "1")]
    public void Add_BadOption_ExitsTwoWithOneLineMessage(string option, string value)
    {
        var add = SharptunProcess.RunIn(_ns, "tun", "add", "st3", option, value, "--persist");
        Assert.Equal(2, add.ExitCode);
        Assert.Single(add.StandardError.Trim().Split('\n'));
        Assert.NotEqual(0, _ns.Exec("ip link show st3").ExitCode);
    }

    [Theory]
    [InlineData("a-name-longer-than-15")]
    [InlineData("bad/name")]
    public void Add_InvalidName_ExitsWithMessageAndCreatesNothing(string name)
    {
        var add = SharptunProcess.RunIn(_ns, "tun", "add", name, "--persist");
        Assert.NotEqual(0, add.ExitCode);
        Assert.Contains("name", add.StandardError);
        Assert.DoesNotContain("tun", _ns.Ip("-o link show type tun"));
    }

    [Fact]
    public void Del_MissingDevice_ExitsOneNamingIt()
    {
        var del = SharptunProcess.RunIn(_ns, "tun", "del", "nosuch0");
        Assert.Equal(1, del.ExitCode);
        Assert.Contains("nosuch0", del.StandardError);
    }

    [Fact]
    public void Add_WithoutCapNetAdmin_ExitsOneExplainingThePrivilege()
    {
        // Root with CAP_NET_ADMIN removed from every capability set, as an unprivileged user would be.
        var add = _ns.Exec("setpriv", ["--inh-caps=-net_admin", "--bounding-set=-net_admin", "--",
            "dotnet", SharptunProcess.DllPath, "tun", "add", "st4", "--persist"]);
        Assert.Equal(1, add.ExitCode);
        Assert.Contains("CAP_NET_ADMIN", add.StandardError);
        Assert.NotEqual(0, _ns.Exec("ip link show st4").ExitCode);
    }

    [Fact]
    public void Add_AsUnprivilegedUser_ExitsOneExplainingThePrivilege()
    {
        // The test output may sit below a directory only root can read (/root): run a world-readable copy.
        // Under /tmp itself: the test host's temp path may be a private directory nobody cannot enter.
        var copy = Directory.CreateDirectory($"/tmp/sharptun-nobody-{Guid.NewGuid():N}").FullName;
        try
        {
            foreach (var file in Directory.GetFiles(AppContext.BaseDirectory))
                File.Copy(file, Path.Combine(copy, Path.GetFileName(file)));
            Run.Checked($"chmod -R a+rX {copy}");
            var add = _ns.Exec("setpriv", ["--reuid=nobody", "--regid=nogroup", "--clear-groups", "--",
                "env", "DOTNET_CLI_HOME=/tmp", "HOME=/tmp", "dotnet", Path.Combine(copy, Path.GetFileName(SharptunProcess.DllPath)),
                "tun", "add", "st5", "--persist"]);
            Assert.True(add.ExitCode == 1 && add.StandardError.Contains("CAP_NET_ADMIN"), add.ToString());
        }
        finally
        {
            Directory.Delete(copy, recursive: true);
        }
    }
}
