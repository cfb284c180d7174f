using System.Net;

namespace SharpTun.Host;

/// <summary>
/// Where the kernel would send a packet: the answer of <c>ip route get ADDRESS</c>, or a route found
/// in a table.
/// </summary>
/// <param name="InterfaceIndex">The output interface (RTA_OIF).</param>
/// <param name="Gateway">The next hop, or null for a directly connected destination.</param>
/// <param name="Mtu">The route's own MTU metric (<c>ip route ... mtu N</c>), or null when the device's MTU applies.</param>
public sealed record RouteLookup(int InterfaceIndex, IPAddress? Gateway, int? Mtu);
