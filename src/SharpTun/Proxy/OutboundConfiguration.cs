using Microsoft.Extensions.Logging;
using SharpTun.Proxy.Outbounds;
using SharpTun.Proxy.Outbounds.Http;
using SharpTun.Proxy.Outbounds.Socks5;

namespace SharpTun.Proxy;

/// <summary>
/// A typed outbound, as parsed from a proxy URL by <see cref="ProxyUri"/>. <see cref="Server"/> is
/// set for <see cref="OutboundKind.Socks5"/> and <see cref="OutboundKind.Http"/> only.
/// </summary>
public sealed record OutboundConfiguration(OutboundKind Kind, ProxyDestination? Server, ProxyCredentials? Credentials)
{
    /// <summary>Builds the outbound this configuration describes.</summary>
    public IOutbound CreateOutbound(OutboundOptions options, ILogger logger) => Kind switch
    {
        OutboundKind.Direct => new DirectOutbound(options, logger),
        OutboundKind.Reject => new RejectOutbound(),
        OutboundKind.Socks5 => new Socks5Outbound(RequireServer(), Credentials, options, logger),
        OutboundKind.Http => new HttpConnectOutbound(RequireServer(), Credentials, options, logger),
        _ => throw new InvalidOperationException($"unknown outbound kind {Kind}"),
    };

    /// <summary>The URL form, with the password masked.</summary>
    public override string ToString() => Kind switch
    {
        OutboundKind.Direct => "direct://",
        OutboundKind.Reject => "reject://",
        _ => $"{(Kind == OutboundKind.Socks5 ? "socks5" : "http")}://{(Credentials is null ? "" : Credentials + "@")}{Server}",
    };

    private ProxyDestination RequireServer() =>
        Server ?? throw new InvalidOperationException($"a {Kind} outbound needs a server address");
}
