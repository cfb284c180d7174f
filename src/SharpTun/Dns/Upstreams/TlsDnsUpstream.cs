using System.Net.Security;
using System.Security.Authentication;
using SharpTun.Proxy.Outbounds;

namespace SharpTun.Dns.Upstreams;

/// <summary>
/// DNS over TLS (RFC 7858): TCP framing inside TLS, over one connection through an
/// <see cref="IOutbound"/>, shared by pipelined queries and opened again when the server closes it.
/// The certificate is checked against <see cref="DnsUpstreamConfiguration.EffectiveTlsServerName"/>
/// (the strict profile of RFC 8310 §5), with the system's trust store unless the configuration
/// brings its own <see cref="DnsUpstreamConfiguration.ServerCertificateValidation"/>.
/// </summary>
public sealed class TlsDnsUpstream : IDnsUpstream, IAsyncDisposable
{
    private readonly DnsUpstreamConfiguration _configuration;
    private readonly IOutbound _outbound;
    private readonly DnsStreamSession _session;

    /// <param name="configuration">A <see cref="DnsUpstreamProtocol.Tls"/> configuration.</param>
    /// <param name="outbound">Opens the TCP connection under TLS; its sockets carry the loop-prevention options.</param>
    public TlsDnsUpstream(DnsUpstreamConfiguration configuration, IOutbound outbound)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(outbound);
        if (configuration.Protocol != DnsUpstreamProtocol.Tls)
            throw new ArgumentException($"dns upstream '{configuration}' is not a tls:// upstream", nameof(configuration));
        _configuration = configuration;
        _outbound = outbound;
        Name = configuration.ToString();
        _session = new DnsStreamSession(ConnectAsync);
    }

    /// <inheritdoc/>
    public string Name { get; }

    /// <inheritdoc/>
    public ValueTask<int> ExchangeAsync(ReadOnlyMemory<byte> query, Memory<byte> response, CancellationToken ct) =>
        _session.ExchangeAsync(query, response, ct);

    /// <summary>Closes the connection.</summary>
    public ValueTask DisposeAsync() => _session.DisposeAsync();

    private async ValueTask<DnsStreamConnection> ConnectAsync(CancellationToken ct)
    {
        var result = await _outbound.ConnectTcpAsync(_configuration.Server, ct).ConfigureAwait(false);
        if (!result.IsSuccess)
            throw new DnsUpstreamException($"{Name}: cannot connect ({_outbound.Name}): {result.Message}");
        var connection = result.Connection;
        var tls = new SslStream(connection.Stream, leaveInnerStreamOpen: false);
        try
        {
            await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
            {
                TargetHost = _configuration.EffectiveTlsServerName,
                RemoteCertificateValidationCallback = _configuration.ServerCertificateValidation,
            }, ct).ConfigureAwait(false);
            return new DnsStreamConnection(tls, connection, Name);
        }
        catch (Exception e) when (e is AuthenticationException or IOException)
        {
            await tls.DisposeAsync().ConfigureAwait(false);
            connection.Dispose();
            throw new DnsUpstreamException($"{Name}: TLS handshake for '{_configuration.EffectiveTlsServerName}' failed: {Describe(e)}", e);
        }
        catch
        {
            await tls.DisposeAsync().ConfigureAwait(false);
            connection.Dispose();
            throw;
        }
    }

    /// <summary>The exception's message with its causes', which for TLS hold the useful part ("RemoteCertificateNameMismatch").</summary>
    internal static string Describe(Exception e)
    {
        var text = e.Message;
        for (var inner = e.InnerException; inner is not null; inner = inner.InnerException)
            text += ": " + inner.Message;
        return text;
    }
}
