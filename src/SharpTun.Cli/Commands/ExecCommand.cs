using System.CommandLine;
using System.Diagnostics;
using System.Net;
using Microsoft.Extensions.Logging;
using SharpTun.Cli.Settings;
using SharpTun.Host;
using SharpTun.Host.Processes;
using SharpTun.Modify;
using SharpTun.Stack.Proxy;
using SharpTun.Tun;

namespace SharpTun.Cli.Commands;

/// <summary>
/// <c>sharptun exec [--proxy URL] -- CMD [ARGS...]</c>: runs CMD in a private network namespace whose
/// only way out is a TUN device, and proxies its traffic from the host's namespace. The relay's own
/// sockets live outside the namespace, so no routing loop is possible.
/// </summary>
public static class ExecCommand
{
    public static Command Create()
    {
        var options = new ProxyOptions();
        var commandLine = new Argument<string[]>("COMMAND")
        {
            Description = "The program to run and its arguments (put them after --).",
            Arity = ArgumentArity.OneOrMore,
        };
        var command = new Command("exec", "Run a command whose network traffic all goes through SharpTun; exits with its exit code.") { commandLine };
        options.AddTo(command);
        var config = new Option<string?>("--config", "-c")
        {
            Description = "Take outbounds, rules, DNS and the other proxy settings from this YAML file (docs/configuration.md) "
                + "instead of the options above (its tun device, addresses and routes do not apply: exec makes its own).",
            HelpName = "FILE",
        };
        command.Options.Add(config);
        command.SetAction(parsed =>
        {
            if (parsed.GetValue(config) is not { } path)
                return Execute(options.ToSettings(parsed), parsed.GetRequiredValue(commandLine));
            var settings = ConfigurationOption.Load(path, "exec");
            return settings is null
                ? ExitCodes.UsageError
                : Execute(settings with { LogLevel = parsed.GetValue(options.LogLevel) ?? settings.LogLevel }, parsed.GetRequiredValue(commandLine));
        });
        return command;
    }

    private static int Execute(ProxySettings settings, string[] commandLine)
    {
        using var shutdown = new ShutdownSignal();
        // The command owns stdout and stderr; SharpTun says only what matters unless asked.
        using var logging = Logging.CreateFactory(settings.LogLevel ?? LogLevel.Warning);
        StartupCleanup.Run();
        var mtu = settings.Mtu;
        var ipv4 = ProxyRuntime.DefaultIpv4;
        var ipv6 = ProxyRuntime.DefaultIpv6;

        using var changes = HostChanges.Open();
        var ns = changes.CreateNetworkNamespace($"sharptun-{Environment.ProcessId}");

        // The TUN and the NAT listeners are made inside the namespace; everything else (outbound
        // sockets) stays in ours. Nothing inside needs journaling: deleting the namespace undoes it.
        var (device, listeners) = NetworkNamespaces.RunInside(Path.Combine("/run/netns", ns.Name), () => SetUpInside(ipv4, ipv6, mtu, ProxyRuntime.TunOptions(settings, "tun0")));
        // CMD's sockets live in the namespace: so must the sock_diag socket that finds their owners.
        var owners = ProxyRuntime.UsesProcessNames(settings)
            ? NetworkNamespaces.RunInside(Path.Combine("/run/netns", ns.Name), () => new SocketOwnerLookup())
            : null;
        using (owners)
        using (device)
        using (listeners)
        {
            using var pcap = settings.PcapPath is { } file ? PcapWriter.Create(file) : null;
            var running = ProxyRuntime.Start(settings, device, listeners, ipv4, ipv6, pcap, logging, owners);
            var proxy = running.Proxy;
            // Every name CMD looks up goes to SharpTun's DNS on the TUN (with --dns off, to the host's resolvers through the tunnel).
            File.WriteAllText(Path.Combine(ns.ConfigurationDirectory, "resolv.conf"), running.DnsAddresses.Count > 0
                ? string.Concat(running.DnsAddresses.Select(a => $"nameserver {a}\n"))
                : HostResolvers.ResolvConf());
            using var status = new StatusSignal(() => ProxyRuntime.Describe(proxy));
            int exitCode;
            try
            {
                exitCode = RunCommand(ns.Name, commandLine, shutdown);
            }
            finally
            {
                running.DisposeAsync().AsTask().GetAwaiter().GetResult();
            }
            Console.Error.WriteLine($"sharptun: {commandLine[0]} exited with {exitCode}; {proxy.TcpFlows} tcp connection{(proxy.TcpFlows == 1 ? "" : "s")} proxied, {proxy.TcpRefused} refused, {proxy.UdpFlows} udp flow{(proxy.UdpFlows == 1 ? "" : "s")}");
            return exitCode;
        }
    }

    private static (LinuxTunDevice, NatListeners) SetUpInside(InterfaceAddress ipv4, InterfaceAddress ipv6, int mtu, TunOptions tunOptions)
    {
        using var netlink = RtNetlink.Open();
        netlink.SetLinkUp("lo", true);
        var device = LinuxTunDevice.Create(tunOptions);
        try
        {
            netlink.SetMtu(device.Name, mtu);
            netlink.AddAddress(device.Name, ipv4);
            netlink.AddAddress(device.Name, ipv6);
            netlink.SetLinkUp(device.Name, true);
            netlink.AddRoute(new Route { Destination = new IPNetwork(IPAddress.Any, 0), Device = device.Name });
            netlink.AddRoute(new Route { Destination = new IPNetwork(IPAddress.IPv6Any, 0), Device = device.Name });
            return (device, NatListeners.Bind(ipv4.Address, ipv6.Address));
        }
        catch
        {
            device.Dispose();
            throw;
        }
    }

    /// <summary>Runs the command with our stdin/stdout/stderr; SIGINT/SIGTERM to us are passed on to it.</summary>
    private static int RunCommand(string namespaceName, string[] commandLine, ShutdownSignal shutdown)
    {
        var start = new ProcessStartInfo("ip") { UseShellExecute = false };
        foreach (var argument in (string[])["netns", "exec", namespaceName, .. commandLine])
            start.ArgumentList.Add(argument);
        using var child = Process.Start(start) ?? throw new InvalidOperationException($"cannot start {commandLine[0]}");
        using var forward = shutdown.Token.Register(() => ProcessSignals.Terminate(child.Id));
        child.WaitForExit();
        return child.ExitCode;
    }
}
