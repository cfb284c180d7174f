using System.Net;

namespace SharpTun.Proxy.Outbounds;

/// <summary>
/// The C library's resolver through <see cref="System.Net.Dns.GetHostAddressesAsync(string, CancellationToken)"/>:
/// /etc/hosts, then the name servers of /etc/resolv.conf. The default of <see cref="OutboundOptions.DomainResolver"/>.
/// </summary>
public sealed class SystemDomainResolver : IDomainResolver
{
    /// <summary>The one instance; it holds no state.</summary>
    public static readonly SystemDomainResolver Instance = new();

    private SystemDomainResolver()
    {
    }

    /// <inheritdoc/>
    public async ValueTask<IPAddress[]> ResolveAsync(string domain, CancellationToken ct) =>
        await System.Net.Dns.GetHostAddressesAsync(domain, ct).ConfigureAwait(false);
}
