using System.Net;
using Microsoft.Extensions.Logging;
using SharpTun.Dns;
using SharpTun.Stack.Proxy;

namespace SharpTun.Cli.Commands;

/// <summary>A started proxy and what it runs with; disposing stops it and saves the fake-IP table.</summary>
public sealed class RunningProxy(TunProxy proxy, DnsTcpListener? dnsListener, FakeIpPool? fakeIps, string? fakeIpStore,
    IReadOnlyList<IPAddress> dnsAddresses, ILogger logger) : IAsyncDisposable
{
    public TunProxy Proxy { get; } = proxy;

    /// <summary>The resolver addresses to give apps (empty when DNS is proxied like any UDP flow).</summary>
    public IReadOnlyList<IPAddress> DnsAddresses { get; } = dnsAddresses;

    public async ValueTask DisposeAsync()
    {
        await Proxy.DisposeAsync().ConfigureAwait(false);
        if (dnsListener is not null)
            await dnsListener.DisposeAsync().ConfigureAwait(false);
        if (fakeIps is not null && fakeIpStore is not null)
        {
            try
            {
                fakeIps.Save(fakeIpStore);
                logger.LogInformation("dns: {Count} fake addresses saved to {Store}", fakeIps.Count, fakeIpStore);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                logger.LogError("dns: cannot save the fake-IP table to {Store}: {Message}", fakeIpStore, e.Message);
            }
        }
    }
}
