// Makes, through the host journal, the changes the crash tests expect, then waits to be killed.
//   --journal-dir DIR               persistent TUN stprobe0, 10.77.0.1/24 on it, 10.78.0.0/24 dev
//                                   stprobe0 table 100, rule priority 1000 fwmark 0x77 lookup 100
//   --journal-dir DIR --firewall    the same, plus net.ipv4.ip_forward=1 and table inet sharptun_probe
//   --journal-dir DIR --vpn FILE    a TUN named after the wg-quick FILE and its VPN host plan
// Run it inside the namespace (ip netns exec NS ...); it prints "ready" when done.
using System.Net;
using SharpTun.Host;
using SharpTun.Host.Resolver;
using SharpTun.Tun;
using SharpTun.Vpn.Config;
using SharpTun.Vpn.Plan;

if (args is not (["--journal-dir", _] or ["--journal-dir", _, "--firewall"] or ["--journal-dir", _, "--vpn", _]))
{
    Console.Error.WriteLine("usage: SharpTun.HostChangeProbe --journal-dir DIR [--firewall | --vpn FILE]");
    return 2;
}
var journalDirectory = args[1];

var changes = HostChanges.Open(journalDirectory);
LinuxTunDevice? vpnDevice = null;
if (args is [_, _, "--vpn", var file])
{
    var configuration = VpnConfigurationFile.Load(file);
    using var netlink = RtNetlink.Open();
    var endpoints = configuration.Peers.Select(p => p.Endpoint?.Address).OfType<IPAddress>();
    var plan = VpnHostPlanner.Create(configuration, VpnUnderlayMtuProbe.Measure(netlink, endpoints), ResolverSetupProbe.Read());
    // Not persistent: the device goes when the probe is killed, the rest stays for cleanup.
    vpnDevice = changes.CreateTun(new TunOptions { Name = configuration.InterfaceName });
    plan.Apply(changes);
}
else
{
    var device = changes.CreateTun(new TunOptions { Name = "stprobe0", Persist = true });
    changes.AddAddress(device.Name, InterfaceAddress.Parse("10.77.0.1/24"));
    changes.SetLinkUp(device.Name, true);
    changes.AddRoute(new Route { Destination = IPNetwork.Parse("10.78.0.0/24"), Device = device.Name, Table = 100 });
    changes.AddRule(new RoutingRule { Priority = 1000, FwMark = 0x77, Table = 100 });
    if (args.Length == 3)
    {
        changes.SetSysctl("net.ipv4.ip_forward", "1");
        changes.AddNftablesTable(new NftablesTable("inet", "sharptun_probe", "chain forward {\n type filter hook forward priority mangle;\n oifname \"stprobe0\" tcp flags syn tcp option maxseg size set rt mtu\n}"));
    }
}
Console.WriteLine("ready");
Console.Out.Flush();
Thread.Sleep(Timeout.Infinite);
GC.KeepAlive(vpnDevice);
return 0;
