using Microsoft.Extensions.Logging.Abstractions;
using SharpTun.Cli.Commands;
using SharpTun.Cli.Vpn;
using SharpTun.TestSupport;
using SharpTun.Vpn.Config;

namespace SharpTun.EndToEnd.Vpn;

/// <summary>
/// <c>vpn up</c>'s life around the engine (<see cref="VpnSession"/>), in a namespace with an uplink:
/// wg-quick's order of hooks and changes, the status file, the way down, and a failed start.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class VpnSessionTests : IDisposable
{
    private const string ClientPrivate = "kAbengqMQplbR1sohVWhlWOsZFdHyL7R0XEtCzIdqW0=";
    private const string ServerPublic = "qUrmmxNpvY2X7oTSSprE8ySgKLc31B0opLECQIUGRT0=";

    private readonly TestNamespace _ns = TestNamespace.Create("st-vpns");
    private readonly DirectoryInfo _files = Directory.CreateTempSubdirectory("sharptun-vpn-session-");
    private readonly JournalTestDirectory _journals = new();
    private readonly CancellationTokenSource _stop = new();

    public VpnSessionTests()
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
        _stop.Cancel();
        _stop.Dispose();
        _ns.Dispose();
        _journals.Dispose();
        _files.Delete(recursive: true);
    }

    private string HookLog => Path.Combine(_files.FullName, "hooks.log");

    private VpnInstances Instances => new(Path.Combine(_files.FullName, "run"));

    /// <summary>Each hook appends its phase, and whether the device exists at that moment, to a log.</summary>
    private VpnConfiguration Client(string postUp = "") => VpnConfigurationParser.Parse($"""
        [Interface]
        PrivateKey = {ClientPrivate}
        Address = 10.2.0.2/32
        PreUp = echo "PreUp %i $(ip link show %i >/dev/null 2>&1 && echo present || echo absent)" >> {HookLog}
        PostUp = echo "PostUp %i $(ip link show %i >/dev/null 2>&1 && echo present || echo absent)" >> {HookLog}
        {postUp}
        PreDown = echo "PreDown %i $(ip link show %i >/dev/null 2>&1 && echo present || echo absent)" >> {HookLog}
        PostDown = echo "PostDown %i $(ip link show %i >/dev/null 2>&1 && echo present || echo absent)" >> {HookLog}
        [Peer]
        PublicKey = {ServerPublic}
        AllowedIPs = 0.0.0.0/0
        Endpoint = 198.51.100.1:51820
        """, "stv0", "stv0.conf");

    private VpnSessionOptions Options(VpnConfiguration configuration) => new()
    {
        Configuration = configuration,
        ConfigurationFile = "stv0.conf",
        JournalDirectory = _journals.Path,
        Instances = Instances,
        StatusInterval = TimeSpan.FromMilliseconds(100),
    };

    private Task<int> Start(VpnConfiguration configuration, IVpnEngineFactory engines) =>
        Task.Run(() => _ns.RunInside(() => VpnSession.Run(Options(configuration), engines, _stop.Token, NullLoggerFactory.Instance)));

    private VpnInstanceState WaitUntilRunning(Task<int> session)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            if (Instances.Read("stv0") is { Phase: VpnInstancePhase.Running, Status: not null } state)
                return state;
            if (session.IsCompleted)
                throw new InvalidOperationException($"the session ended early: {session.Exception?.GetBaseException().Message ?? session.Result.ToString()}");
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException("the session did not publish a running status");
            Thread.Sleep(20);
        }
    }

    [Fact]
    public async Task Run_UntilStopped_FollowsWgQuicksOrderPublishesStatusAndUndoesEverything()
    {
        var before = NamespaceSnapshot.Take(_ns);
        var engines = new RecordingEngineFactory();

        var session = Start(Client(), engines);
        var state = WaitUntilRunning(session);

        Assert.Equal(Environment.ProcessId, state.Pid);
        Assert.Equal(Path.GetFullPath("stv0.conf"), state.ConfigurationFile);
        Assert.Equal("stv0 mtu 1370", engines.DeviceAtStart);
        Assert.Equal(51820u, engines.Context!.FirewallMark);
        Assert.Contains("32765:\tnot from all fwmark 0xca6c lookup 51820", _ns.Ip("rule"));
        Assert.Contains("inet 10.2.0.2/32", _ns.Ip("addr show stv0"));
        Assert.Contains("table inet sharptun_stv0", _ns.Exec("nft list tables").StandardOutput);
        Assert.Equal(["PreUp stv0 absent", "PostUp stv0 present"], File.ReadAllLines(HookLog));
        Assert.Single(_journals.Journals());
        Assert.StartsWith("interface: stv0\n  public key: BtetLl8xAstaQb0uvehPCyXvs8M9Dh7q/H6fDZzgHDc=\n  private key: (hidden)\n  listening port: 40000\n",
            VpnShowCommand.Format(Instances.List(), DateTimeOffset.UtcNow));

        _stop.Cancel();

        Assert.Equal(0, await session.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal(["PreUp stv0 absent", "PostUp stv0 present", "PreDown stv0 present", "PostDown stv0 absent"], File.ReadAllLines(HookLog));
        Assert.Equal(1, engines.Engine!.Stops);
        Assert.Equal(before, NamespaceSnapshot.Take(_ns));
        Assert.Empty(_journals.Journals());
        Assert.Empty(Instances.List());
        Assert.False(Directory.Exists(Instances.Directory), "the status directory goes with its last instance");
    }

    [Fact]
    public async Task Run_PostUpFails_UndoesEverythingAndRunsNoDownHooks()
    {
        var before = NamespaceSnapshot.Take(_ns);
        var engines = new RecordingEngineFactory();

        var session = Start(Client(postUp: "PostUp = exit 3"), engines);

        var error = await Assert.ThrowsAsync<AggregateException>(() => session.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal("PostUp command failed (exit code 3): exit 3", error.InnerException!.Message);
        Assert.Equal(["PreUp stv0 absent", "PostUp stv0 present"], File.ReadAllLines(HookLog));
        Assert.Equal(1, engines.Engine!.Stops);
        Assert.Equal(before, NamespaceSnapshot.Take(_ns));
        Assert.Empty(_journals.Journals());
        Assert.False(Directory.Exists(Instances.Directory), "the status directory goes with its last instance");
    }

    [Fact]
    public async Task Run_EngineCannotStart_UndoesTheHostChanges()
    {
        var before = NamespaceSnapshot.Take(_ns);

        var session = Start(Client(), new RecordingEngineFactory(new InvalidOperationException("port 51820 is in use")));

        var error = await Assert.ThrowsAsync<AggregateException>(() => session.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal("port 51820 is in use", error.InnerException!.Message);
        Assert.Equal(["PreUp stv0 absent"], File.ReadAllLines(HookLog));
        Assert.Equal(before, NamespaceSnapshot.Take(_ns));
    }

    [Fact]
    public async Task Run_EngineFailsWhileRunning_ExitsOneAndGoesDownInOrder()
    {
        var before = NamespaceSnapshot.Take(_ns);
        var engines = new RecordingEngineFactory();
        var session = Start(Client(), engines);
        WaitUntilRunning(session);

        engines.Engine!.Fail("the UDP socket was closed");

        Assert.Equal(1, await session.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal(["PreUp stv0 absent", "PostUp stv0 present", "PreDown stv0 present", "PostDown stv0 absent"], File.ReadAllLines(HookLog));
        Assert.Equal(before, NamespaceSnapshot.Take(_ns));
    }

    [Fact]
    public async Task Run_SameInterfaceTwice_RefusesTheSecond()
    {
        var session = Start(Client(), new RecordingEngineFactory());
        WaitUntilRunning(session);

        var second = Start(Client(), new RecordingEngineFactory());

        var error = await Assert.ThrowsAsync<AggregateException>(() => second.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal($"stv0 is already up (pid {Environment.ProcessId}, from {Path.GetFullPath("stv0.conf")}); stop it with 'sharptun vpn down stv0'", error.InnerException!.Message);
        Assert.NotNull(Instances.Read("stv0"));
        _stop.Cancel();
        Assert.Equal(0, await session.WaitAsync(TimeSpan.FromSeconds(30)));
    }

    [Fact]
    public async Task Run_StatusFileOfADeadInstance_IsReplaced()
    {
        Directory.CreateDirectory(Instances.Directory);
        File.WriteAllText(Instances.PathOf("stv0"), """{ "interface": "stv0", "pid": 999999999, "startTime": 1, "configurationFile": "old.conf", "phase": "Running" }""");

        var session = Start(Client(), new RecordingEngineFactory());

        Assert.Equal(Environment.ProcessId, WaitUntilRunning(session).Pid);
        _stop.Cancel();
        Assert.Equal(0, await session.WaitAsync(TimeSpan.FromSeconds(30)));
    }

    /// <summary>A claim file that cannot be read yet is another 'up' of the same name halfway through writing it.</summary>
    [Fact]
    public async Task Run_StatusFileBeingWritten_RefusesToRace()
    {
        Directory.CreateDirectory(Instances.Directory);
        File.WriteAllText(Instances.PathOf("stv0"), "{ \"interface\": \"st");

        var session = Start(Client(), new RecordingEngineFactory());

        var error = await Assert.ThrowsAsync<AggregateException>(() => session.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal("stv0 is being brought up by another process right now", error.InnerException!.Message);
        Assert.False(File.Exists(HookLog));
    }

    [Fact]
    public async Task Run_DeviceNameTaken_RefusesBeforeAnyHookOrChange()
    {
        _ns.Ip("link add stv0 type veth peer name stv0peer");
        var before = NamespaceSnapshot.Take(_ns);

        var session = Start(Client(), new RecordingEngineFactory());

        var error = await Assert.ThrowsAsync<AggregateException>(() => session.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.StartsWith("a network device named 'stv0' already exists", error.InnerException!.Message);
        Assert.False(File.Exists(HookLog));
        Assert.Equal(before, NamespaceSnapshot.Take(_ns));
    }
}
