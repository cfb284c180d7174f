using System.Globalization;
using System.Net.Security;
using SharpTun.Proxy;

namespace SharpTun.Dns.Upstreams;

/// <summary>
/// One DNS upstream as parsed by <see cref="DnsUpstreamUri"/>; <see cref="DnsUpstreamFactory"/>
/// builds the <see cref="IDnsUpstream"/> it describes.
/// </summary>
public sealed record DnsUpstreamConfiguration
{
    /// <summary>The default port of plain DNS over UDP and TCP (RFC 1035 §4.2).</summary>
    public const int DnsPort = 53;

    /// <summary>The default port of DNS over TLS (RFC 7858 §3.1).</summary>
    public const int TlsPort = 853;

    /// <summary>The default port of DNS over HTTPS.</summary>
    public const int HttpsPort = 443;

    /// <summary>The path of a DoH URL given without one, the one RFC 8484 §1 uses in its examples.</summary>
    public const string DefaultHttpsPath = "/dns-query";

    /// <summary>How the server is reached.</summary>
    public required DnsUpstreamProtocol Protocol { get; init; }

    /// <summary>
    /// The server: an address, or (TCP, TLS, HTTPS) a name the outbound connects to. Unset for
    /// <see cref="DnsUpstreamProtocol.System"/>.
    /// </summary>
    public ProxyDestination Server { get; init; }

    /// <summary>
    /// The name the TLS server must prove (SNI and certificate check) for TLS and HTTPS; null to use
    /// the server's host, its address when it is one (the certificate then needs an IP address entry).
    /// </summary>
    public string? TlsServerName { get; init; }

    /// <summary>The HTTP path and query of a DoH upstream, <see cref="DefaultHttpsPath"/> unless the URL says otherwise.</summary>
    public string HttpsPath { get; init; } = DefaultHttpsPath;

    /// <summary>
    /// Replaces the usual certificate check of TLS and HTTPS upstreams for this upstream alone (to
    /// trust a private CA or a test certificate); null for the system's trust store. Not part of the URL.
    /// </summary>
    public RemoteCertificateValidationCallback? ServerCertificateValidation { get; init; }

    /// <summary>The name TLS checks: <see cref="TlsServerName"/>, else the server's host (an address without brackets).</summary>
    public string EffectiveTlsServerName => TlsServerName ?? (Server.IsDomain ? Server.Domain : Server.Address?.ToString() ?? "");

    /// <summary>The URL form, which also names the upstream in log lines: "udp://1.1.1.1:53", "tls://1.1.1.1:853#cloudflare-dns.com".</summary>
    public override string ToString()
    {
        var sni = TlsServerName is null ? "" : "#" + TlsServerName;
        return Protocol switch
        {
            DnsUpstreamProtocol.System => "system",
            DnsUpstreamProtocol.Udp => $"udp://{Server}",
            DnsUpstreamProtocol.Tcp => $"tcp://{Server}",
            DnsUpstreamProtocol.Tls => $"tls://{Server}{sni}",
            DnsUpstreamProtocol.Https => "https://" + Server.FormatHost()
                + (Server.Port == HttpsPort ? "" : ":" + Server.Port.ToString(CultureInfo.InvariantCulture)) + HttpsPath + sni,
            _ => Protocol.ToString(),
        };
    }
}
