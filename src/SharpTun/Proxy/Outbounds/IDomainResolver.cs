using System.Net;

namespace SharpTun.Proxy.Outbounds;

/// <summary>
/// Turns a domain name into addresses for an outbound that connects by itself (the direct outbound,
/// and any outbound reaching its proxy server by name). In <c>sharptun proxy</c> the host's
/// resolv.conf may point at SharpTun's own fake-IP DNS, so the outbounds must not use the system
/// resolver there: the CLI gives them the real-answer <c>SharpTun.Dns.DnsResolver</c> instead.
/// Contract: an empty array means the name exists but has no address; a name that does not exist
/// throws <see cref="System.Net.Sockets.SocketException"/> with
/// <see cref="System.Net.Sockets.SocketError.HostNotFound"/>, and no answer at all
/// <see cref="System.Net.Sockets.SocketError.TryAgain"/>, as <see cref="System.Net.Dns.GetHostAddressesAsync(string, CancellationToken)"/>
/// does; cancellation through <c>ct</c> throws <see cref="OperationCanceledException"/>. Safe to call concurrently.
/// </summary>
public interface IDomainResolver
{
    /// <summary>The addresses of <paramref name="domain"/>, IPv4 first; see the interface contract.</summary>
    ValueTask<IPAddress[]> ResolveAsync(string domain, CancellationToken ct);
}
