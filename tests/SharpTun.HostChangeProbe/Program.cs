// Makes, through the host journal, the changes the crash tests expect, then waits to be killed:
//   persistent TUN stprobe0, 10.77.0.1/24 on it, 10.78.0.0/24 dev stprobe0 table 100,
//   rule priority 1000 fwmark 0x77 lookup 100;
// with --firewall also net.ipv4.ip_forward=1 and the nftables table inet sharptun_probe.
// Usage: SharpTun.HostChangeProbe --journal-dir DIR [--firewall]   (run inside the namespace: ip netns exec NS ...)
using System.Net;
using SharpTun.Host;
using SharpTun.Tun;

if (args is not (["--journal-dir", _] or ["--journal-dir", _, "--firewall"]))
{
    Console.Error.WriteLine("usage: SharpTun.HostChangeProbe --journal-dir DIR [--firewall]");
    return 2;
}
var journalDirectory = args[1];
var firewall = args.Length == 3;

var changes = HostChanges.Open(journalDirectory);
var device = changes.CreateTun(new TunOptions { Name = "stprobe0", Persist = true });
changes.AddAddress(device.Name, InterfaceAddress.Parse("10.77.0.1/24"));
changes.SetLinkUp(device.Name, true);
changes.AddRoute(new Route { Destination = IPNetwork.Parse("10.78.0.0/24"), Device = device.Name, Table = 100 });
changes.AddRule(new RoutingRule { Priority = 1000, FwMark = 0x77, Table = 100 });
if (firewall)
{
    changes.SetSysctl("net.ipv4.ip_forward", "1");
    changes.AddNftablesTable(new NftablesTable("inet", "sharptun_probe", "chain forward {\n type filter hook forward priority mangle;\n oifname \"stprobe0\" tcp flags syn tcp option maxseg size set rt mtu\n}"));
}
Console.WriteLine("ready");
Console.Out.Flush();
Thread.Sleep(Timeout.Infinite);
return 0;
