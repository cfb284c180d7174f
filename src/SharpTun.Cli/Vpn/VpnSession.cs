using System.Net;
using Microsoft.Extensions.Logging;
using SharpTun.Host;
using SharpTun.Host.Resolver;
using SharpTun.Tun;
using SharpTun.Vpn.Config;
using SharpTun.Vpn.Plan;

namespace SharpTun.Cli.Vpn;

/// <summary>What <see cref="VpnSession.Run"/> needs besides the engine.</summary>
public sealed record VpnSessionOptions
{
    public required VpnConfiguration Configuration { get; init; }

    /// <summary>The file the configuration came from, for <c>vpn show</c> and messages.</summary>
    public required string ConfigurationFile { get; init; }

    /// <summary>Where the host-change journal goes (default /run/sharptun).</summary>
    public string? JournalDirectory { get; init; }

    public VpnInstances Instances { get; init; } = new();

    /// <summary>How often the status file is refreshed for <c>vpn show</c>.</summary>
    public TimeSpan StatusInterval { get; init; } = TimeSpan.FromSeconds(1);
}

/// <summary>
/// One VPN interface in the foreground, as <c>sharptun vpn up</c> runs it, in wg-quick's order:
/// PreUp; create the TUN; addresses, MTU, DNS, routes, rules, sysctls and firewall (journaled); start the
/// engine; PostUp. Then until <c>stopping</c> fires (SIGINT/SIGTERM, <c>vpn down</c>) or the engine
/// fails, the status is published every second. On the way down: PreDown; stop the engine; undo
/// every host change and remove the device; PostDown. When bringing it up fails (a hook exits
/// non-zero, a change is refused, the engine cannot start), what was done is undone, no down hooks
/// run (as with wg-quick), and the error is thrown. What can be checked before anything changes (a
/// device of that name, a resolv.conf that cannot be written) is refused before PreUp.
/// </summary>
public static class VpnSession
{
    /// <summary>How long to wait for each endpoint host name when measuring the path MTU.</summary>
    private static readonly TimeSpan ResolveTimeout = TimeSpan.FromSeconds(5);

    /// <summary>Runs the interface until stopped; returns the exit code (0, or 1 when the engine failed).</summary>
    public static int Run(VpnSessionOptions options, IVpnEngineFactory engines, CancellationToken stopping, ILoggerFactory logging)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(engines);
        var configuration = options.Configuration;
        var name = configuration.InterfaceName;
        var logger = logging.CreateLogger("vpn");
        var state = new VpnInstanceState
        {
            Interface = name,
            Pid = Environment.ProcessId,
            StartTime = ProcessStartTime.Read(Environment.ProcessId) ?? throw new InvalidOperationException("cannot read this process's start time from /proc"),
            ConfigurationFile = Path.GetFullPath(options.ConfigurationFile),
            Phase = VpnInstancePhase.Starting,
            Updated = DateTimeOffset.UtcNow,
        };
        options.Instances.Claim(state);
        try
        {
            return RunClaimed(options, engines, stopping, logging, logger, state);
        }
        finally
        {
            options.Instances.Release(name);
        }
    }

    private static int RunClaimed(VpnSessionOptions options, IVpnEngineFactory engines, CancellationToken stopping, ILoggerFactory logging, ILogger logger, VpnInstanceState state)
    {
        var configuration = options.Configuration;
        var name = configuration.InterfaceName;
        var changes = HostChanges.Open(options.JournalDirectory);
        LinuxTunDevice? device = null;
        IVpnEngine? engine = null;
        var exitCode = ExitCodes.Success;
        var wasUp = false;
        try
        {
            if (changes.LinkExists(name))
                throw new InvalidOperationException($"a network device named '{name}' already exists (another VPN, or wg-quick's?); take it down first or rename the file");
            var plan = VpnHostPlanner.Create(configuration, MeasureUnderlay(configuration, logger), ResolverSetupProbe.Read());
            plan.CheckApplicable();
            VpnHooks.Run(configuration, "PreUp", configuration.Interface.PreUp);
            device = changes.CreateTun(new TunOptions { Name = name, Offload = true });
            foreach (var line in plan.Describe())
                Console.Error.WriteLine($"[#] {line}");
            plan.Apply(changes);
            engine = engines.Start(new VpnEngineContext
            {
                Configuration = configuration,
                Device = device,
                Mtu = plan.Mtu,
                FirewallMark = plan.FirewallMark,
                Logging = logging,
            });
            VpnHooks.Run(configuration, "PostUp", configuration.Interface.PostUp);
            wasUp = true;
            logger.LogInformation("{Interface} is up ({Peers} peer(s), mtu {Mtu}); Ctrl-C or 'sharptun vpn down {Interface}' stops it", name, configuration.Peers.Count, plan.Mtu, name);
            exitCode = PublishUntilStopped(options, engine, state, stopping, logger);
            options.Instances.Publish(state with { Phase = VpnInstancePhase.Stopping, Updated = DateTimeOffset.UtcNow, Status = null });
            VpnHooks.RunAll(configuration, "PreDown", configuration.Interface.PreDown);
        }
        finally
        {
            engine?.Dispose();
            var report = changes.Undo();
            device?.Dispose();
            changes.Dispose();
            if (!report.Succeeded)
            {
                Console.Error.WriteLine($"sharptun: some host changes of {name} could not be undone:{Environment.NewLine}{report}");
                exitCode = ExitCodes.RuntimeError;
            }
        }
        if (wasUp)
        {
            VpnHooks.RunAll(configuration, "PostDown", configuration.Interface.PostDown);
            logger.LogInformation("{Interface} is down", name);
        }
        return exitCode;
    }

    /// <summary>Publishes the engine's status every interval until a stop is asked for (0) or the engine ends by itself (1).</summary>
    private static int PublishUntilStopped(VpnSessionOptions options, IVpnEngine engine, VpnInstanceState state, CancellationToken stopping, ILogger logger)
    {
        WaitHandle[] events = [stopping.WaitHandle, ((IAsyncResult)engine.Completion).AsyncWaitHandle];
        while (true)
        {
            VpnStatus? status = null;
            try
            {
                status = engine.GetStatus();
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // A status that cannot be read must not take the tunnel down; 'vpn show' shows none.
                logger.LogWarning("cannot read the VPN status: {Message}", e.Message);
            }
            options.Instances.Publish(state with { Phase = VpnInstancePhase.Running, Updated = DateTimeOffset.UtcNow, Status = status });
            switch (WaitHandle.WaitAny(events, options.StatusInterval))
            {
                case 0:
                    return ExitCodes.Success;
                case 1:
                    var reason = engine.Completion.Exception?.GetBaseException().Message ?? "it stopped without an error";
                    logger.LogError("the VPN engine of {Interface} stopped: {Reason}", state.Interface, reason);
                    return ExitCodes.RuntimeError;
            }
        }
    }

    /// <summary>
    /// The underlying path's MTU from the routes to the peers' endpoints, host names resolved now
    /// (a name that does not resolve yet is left out of the MTU; the engine keeps trying it).
    /// </summary>
    public static VpnUnderlayMtu MeasureUnderlay(VpnConfiguration configuration, ILogger logger)
    {
        var addresses = new List<IPAddress>();
        foreach (var peer in configuration.Peers)
        {
            if (peer.Endpoint is not { } endpoint)
                continue;
            if (endpoint.Address is { } literal)
            {
                addresses.Add(literal);
                continue;
            }
            try
            {
                var lookup = System.Net.Dns.GetHostAddressesAsync(endpoint.Host);
                if (lookup.Wait(ResolveTimeout) && lookup.Result.Length > 0)
                    addresses.Add(lookup.Result[0]);
                else
                    logger.LogWarning("cannot resolve {Host} within {Seconds} s; the MTU does not take its route into account", endpoint.Host, ResolveTimeout.TotalSeconds);
            }
            catch (AggregateException e)
            {
                logger.LogWarning("cannot resolve {Host}: {Message}; the MTU does not take its route into account", endpoint.Host, e.GetBaseException().Message);
            }
        }
        using var netlink = RtNetlink.Open();
        return VpnUnderlayMtuProbe.Measure(netlink, addresses);
    }
}
