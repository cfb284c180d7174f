using System.CommandLine;
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
/// <c>sharptun proxy [--proxy URL] [--device NAME] [--address CIDR]... [--route CIDR]... ...</c>: the
/// tun2socks job in the host's namespace. Traffic routed into the device (with <c>--route</c>, or by
/// the user's own routes) goes to the outbound; every change to the host is undone on exit.
/// </summary>
public static class ProxyCommand
{
    public static Command Create()
    {
        var options = new ProxyOptions();
        var device = new Option<string>("--device")
        {
            Description = "Name of the TUN device to create (default sharptun0).",
            DefaultValueFactory = _ => "sharptun0",
        };
        var addresses = AddressOption.Create($"The device's IPv4 and/or IPv6 address with prefix (default {ProxyRuntime.DefaultIpv4} and {ProxyRuntime.DefaultIpv6}); the whole subnet feeds the NAT.");
        var routes = new Option<IPNetwork[]>("--route")
        {
            Description = "Route this prefix into the device (e.g. 10.0.0.0/8); repeatable; removed on exit.",
            Arity = ArgumentArity.ZeroOrMore,
            CustomParser = result =>
            {
                var networks = new IPNetwork[result.Tokens.Count];
                for (var i = 0; i < networks.Length; i++)
                {
                    if (!IPNetwork.TryParse(result.Tokens[i].Value, out networks[i]))
                    {
                        result.AddError($"--route '{result.Tokens[i].Value}' is not a prefix such as 10.0.0.0/8 (host bits must be zero)");
                        return [];
                    }
                }
                return networks;
            },
        };
        var command = new Command("proxy", "Proxy every TCP/UDP flow routed into a new TUN device through an outbound, until Ctrl-C.");
        options.AddTo(command);
        command.Options.Add(device);
        command.Options.Add(addresses);
        command.Options.Add(routes);
        command.SetAction(parsed => Run(options.ToSettings(parsed) with
        {
            DeviceName = parsed.GetRequiredValue(device),
            Addresses = parsed.GetValue(addresses) ?? [],
            Routes = parsed.GetValue(routes) ?? [],
        }));
        return command;
    }

    /// <summary>Runs the proxy these settings describe in the current namespace until SIGINT/SIGTERM (also <c>sharptun run</c>).</summary>
    public static int Run(ProxySettings settings)
    {
        using var shutdown = new ShutdownSignal();
        using var logging = Logging.CreateFactory(settings.LogLevel ?? LogLevel.Information);
        var logger = logging.CreateLogger("sharptun");
        StartupCleanup.Run();
        var addresses = settings.Addresses;
        var ipv4 = addresses.FirstOrDefault(a => a.Address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork);
        if (ipv4 == default)
            ipv4 = ProxyRuntime.DefaultIpv4;
        InterfaceAddress? ipv6 = addresses.FirstOrDefault(a => a.Address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6);
        if (ipv6 == default(InterfaceAddress))
            ipv6 = addresses.Count == 0 ? ProxyRuntime.DefaultIpv6 : null;
        var mtu = settings.Mtu;

        using var changes = HostChanges.Open();
        using var device = changes.CreateTun(ProxyRuntime.TunOptions(settings, settings.DeviceName));
        changes.SetMtu(device.Name, mtu);
        changes.AddAddress(device.Name, ipv4);
        if (ipv6 is { } v6)
            changes.AddAddress(device.Name, v6);
        changes.SetLinkUp(device.Name, true);
        foreach (var route in settings.Routes)
            changes.AddRoute(new Route { Destination = route, Device = device.Name });
        if (settings.Dns.Mode == DnsMode.FakeIp)
        {
            // Fake addresses must lead into the device whatever else is routed there.
            changes.AddRoute(new Route { Destination = settings.Dns.FakeIpv4Range, Device = device.Name });
            if (ipv6 is not null)
                changes.AddRoute(new Route { Destination = settings.Dns.FakeIpv6Range, Device = device.Name });
        }

        using var listeners = NatListeners.Bind(ipv4.Address, ipv6?.Address);
        using var pcap = settings.PcapPath is { } file ? PcapWriter.Create(file) : null;
        using var owners = ProxyRuntime.UsesProcessNames(settings) ? new SocketOwnerLookup() : null;
        var running = ProxyRuntime.Start(settings, device, listeners, ipv4, ipv6, pcap, logging, owners);
        var proxy = running.Proxy;
        using var status = new StatusSignal(() => ProxyRuntime.Describe(proxy));
        logger.LogInformation("proxying {Device} ({Ipv4}{Ipv6}, mtu {Mtu}) via {Outbound}{Rules}; {Dns}; Ctrl-C stops",
            device.Name, ipv4, ipv6 is null ? "" : $", {ipv6}", mtu, string.Join(", ", settings.Outbounds.Select(o => $"{o.Name}={o.Configuration}")),
            settings.Rules.Count > 0 ? $" by {settings.Rules.Count} rules" : "",
            running.DnsAddresses.Count > 0 ? $"dns ({settings.Dns.Mode}) on {string.Join(", ", running.DnsAddresses)}{(settings.Dns.Hijack ? " and every query to port 53" : "")}" : "dns off");
        shutdown.Wait();
        running.DisposeAsync().AsTask().GetAwaiter().GetResult();
        return ExitCodes.Success;
    }
}
