using System.Globalization;
using System.Net;
using System.Net.Sockets;
using SharpTun.Cli.Commands;
using SharpTun.Cli.Settings;
using SharpTun.Host;
using SharpTun.Stack.Nat;
using SharpTun.Stack.Proxy;
using SharpTun.Tun;

namespace SharpTun.Cli.Config;

/// <summary><c>tun:</c>, the device and the NAT behind it (the flags <c>--device</c>, <c>--address</c>, <c>--mtu</c>, ...).</summary>
internal static class TunSection
{
    private static readonly (string, IcmpMode)[] IcmpModes = [("reply", IcmpMode.Reply), ("forward", IcmpMode.Forward), ("drop", IcmpMode.Drop)];

    /// <summary>The settings with the section's values in place of the defaults.</summary>
    public static ProxySettings Read(ConfigurationReader reader, ConfigurationSection tun, string baseDirectory, ProxySettings settings) => settings with
    {
        DeviceName = DeviceName(reader, tun) ?? settings.DeviceName,
        Addresses = Addresses(reader, tun) ?? settings.Addresses,
        Routes = Routes(reader, tun) ?? settings.Routes,
        Mtu = reader.Integer(tun, "mtu", 1280, 65535) ?? settings.Mtu,
        Queues = reader.Integer(tun, "queues", 1, DeviceOptions.MaximumQueues) ?? settings.Queues,
        Offload = reader.Boolean(tun, "offload") ?? settings.Offload,
        BusyPollMicroseconds = reader.Integer(tun, "busy-poll", 0, 10_000) ?? settings.BusyPollMicroseconds,
        NatPorts = NatPorts(reader, tun) ?? settings.NatPorts,
        UdpTimeoutSeconds = reader.Integer(tun, "udp-timeout", 1, 86_400) ?? settings.UdpTimeoutSeconds,
        Icmp = reader.Choice(tun, "icmp", IcmpModes) ?? settings.Icmp,
        PcapPath = ConfigurationPaths.Read(reader, tun, "pcap", baseDirectory) ?? settings.PcapPath,
    };

    /// <summary>
    /// The subnets the TUN will have: the given addresses', or the defaults <c>proxy</c> and
    /// <c>run</c> use (an IPv4 subnet always; the IPv6 default only when no address is given).
    /// </summary>
    public static IReadOnlyList<IPNetwork> Subnets(ProxySettings settings)
    {
        var addresses = settings.Addresses;
        var subnets = addresses.Select(a => a.Network).ToList();
        if (!addresses.Any(a => a.Address.AddressFamily == AddressFamily.InterNetwork))
            subnets.Insert(0, ProxyRuntime.DefaultIpv4.Network);
        if (addresses.Count == 0)
            subnets.Add(ProxyRuntime.DefaultIpv6.Network);
        return subnets;
    }

    private static string? DeviceName(ConfigurationReader reader, ConfigurationSection tun)
    {
        var name = reader.String(tun, "device", "a device name");
        if (name is null)
            return null;
        try
        {
            TunName.Validate(name);
            return name;
        }
        catch (ArgumentException e)
        {
            reader.Error(tun["device"]!, $"tun.device: {e.Message.Replace($" (Parameter '{e.ParamName}')", "", StringComparison.Ordinal)}");
            return null;
        }
    }

    private static IReadOnlyList<InterfaceAddress>? Addresses(ConfigurationReader reader, ConfigurationSection tun)
    {
        var items = reader.Scalars(tun, "address", "addresses with prefix", "an address with prefix");
        if (items is null)
            return null;
        var addresses = new List<InterfaceAddress>(items.Count);
        foreach (var item in items)
        {
            InterfaceAddress address;
            try
            {
                address = InterfaceAddress.Parse(item.Value!);
            }
            catch (Exception e) when (e is FormatException or ArgumentException)
            {
                reader.Error(item, $"tun.address '{item.Value}' is not ADDRESS/PREFIX with a valid prefix length (e.g. 198.19.0.1/16 or fdfe:dcba:9876::1/112)");
                continue;
            }
            var family = address.Address.AddressFamily;
            if (addresses.FirstOrDefault(a => a.Address.AddressFamily == family) is { Address: not null } first)
            {
                reader.Error(item, $"tun.address has a second {(family == AddressFamily.InterNetwork ? "IPv4" : "IPv6")} address {address} "
                    + $"after {first}: the device takes one address per family");
                continue;
            }
            addresses.Add(address);
        }
        return addresses;
    }

    private static IReadOnlyList<IPNetwork>? Routes(ConfigurationReader reader, ConfigurationSection tun)
    {
        var items = reader.Scalars(tun, "routes", "prefixes", "a prefix");
        if (items is null)
            return null;
        var routes = new List<IPNetwork>(items.Count);
        foreach (var item in items)
        {
            if (ConfigurationPrefix.TryParse(item.Value!, out var route))
                routes.Add(route);
            else
                reader.Error(item, $"tun.routes '{item.Value}' is not a prefix such as 10.0.0.0/8 (host bits must be zero)");
        }
        return routes;
    }

    private static NatPoolOptions? NatPorts(ConfigurationReader reader, ConfigurationSection tun)
    {
        var text = reader.String(tun, "nat-ports", "a port range FIRST-LAST");
        if (text is null)
            return null;
        var dash = text.IndexOf('-');
        if (dash > 0
            && ushort.TryParse(text.AsSpan(0, dash), NumberStyles.None, CultureInfo.InvariantCulture, out var first)
            && ushort.TryParse(text.AsSpan(dash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var last)
            && first >= 1 && first <= last)
            return new NatPoolOptions { FirstPort = first, LastPort = last };
        reader.Error(tun["nat-ports"]!, $"tun.nat-ports '{text}' is not a port range FIRST-LAST with 1 <= FIRST <= LAST <= 65535 (e.g. 20000-29999)");
        return null;
    }
}
