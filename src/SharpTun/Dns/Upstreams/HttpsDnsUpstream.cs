using System.Buffers;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Security;
using SharpTun.Proxy;
using SharpTun.Proxy.Outbounds;
using SharpTun.Wire;

namespace SharpTun.Dns.Upstreams;

/// <summary>
/// DNS over HTTPS (RFC 8484 §4.1): each query is a POST of application/dns-message with ID 0,
/// over HTTP/2 when the server offers it in ALPN, HTTP/1.1 otherwise. HttpClient keeps the
/// connections; each one is opened by the <see cref="IOutbound"/> (direct with the loop-prevention
/// socket options, or a proxy), never by HttpClient itself, and no HTTP proxy from the environment
/// is used. The request URL's host is the TLS name, so SNI, the certificate check and the Host
/// header all say the name while the connection goes to the configured address.
/// </summary>
public sealed class HttpsDnsUpstream : IDnsUpstream, IDisposable
{
    private const string DnsMessageMediaType = "application/dns-message";

    private readonly ProxyDestination _server;
    private readonly IOutbound _outbound;
    private readonly HttpClient _client;
    private readonly Uri _uri;

    /// <param name="configuration">An <see cref="DnsUpstreamProtocol.Https"/> configuration.</param>
    /// <param name="outbound">Opens each connection HttpClient needs.</param>
    /// <param name="idleTimeout">How long an unused connection stays open; 90 seconds when null.</param>
    public HttpsDnsUpstream(DnsUpstreamConfiguration configuration, IOutbound outbound, TimeSpan? idleTimeout = null)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(outbound);
        if (configuration.Protocol != DnsUpstreamProtocol.Https)
            throw new ArgumentException($"dns upstream '{configuration}' is not an https:// upstream", nameof(configuration));
        _server = configuration.Server;
        _outbound = outbound;
        Name = configuration.ToString();
        var host = configuration.TlsServerName ?? configuration.Server.FormatHost();
        _uri = new Uri($"https://{host}:{configuration.Server.Port.ToString(CultureInfo.InvariantCulture)}{configuration.HttpsPath}");
        var handler = new SocketsHttpHandler
        {
            ConnectCallback = ConnectAsync,
            UseProxy = false,
            UseCookies = false,
            AllowAutoRedirect = false,
            AutomaticDecompression = DecompressionMethods.None,
            PooledConnectionIdleTimeout = idleTimeout ?? TimeSpan.FromSeconds(90),
            EnableMultipleHttp2Connections = true,
            SslOptions = new SslClientAuthenticationOptions { RemoteCertificateValidationCallback = configuration.ServerCertificateValidation },
        };
        _client = new HttpClient(handler)
        {
            Timeout = Timeout.InfiniteTimeSpan, // the caller's token bounds each exchange
        };
    }

    /// <inheritdoc/>
    public string Name { get; }

    /// <inheritdoc/>
    public async ValueTask<int> ExchangeAsync(ReadOnlyMemory<byte> query, Memory<byte> response, CancellationToken ct)
    {
        if (query.Length < DnsHeader.Length)
            throw new ArgumentException($"a DNS query is at least {DnsHeader.Length} bytes, not {query.Length}", nameof(query));
        var body = ArrayPool<byte>.Shared.Rent(query.Length);
        try
        {
            query.Span.CopyTo(body);
            DnsMessages.WriteId(body, 0); // RFC 8484 §4.1: ID 0, so HTTP caches see equal queries as equal
            using var content = new ByteArrayContent(body, 0, query.Length);
            content.Headers.ContentType = new MediaTypeHeaderValue(DnsMessageMediaType);
            // Set on the request itself: HttpClient's DefaultRequestVersion reaches only the requests its helpers make.
            using var request = new HttpRequestMessage(HttpMethod.Post, _uri)
            {
                Content = content,
                Version = HttpVersion.Version20,
                VersionPolicy = HttpVersionPolicy.RequestVersionOrLower,
            };
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(DnsMessageMediaType));
            int length;
            try
            {
                using var reply = await _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct).ConfigureAwait(false);
                if (reply.StatusCode != HttpStatusCode.OK)
                    throw new DnsUpstreamException($"{Name} answered HTTP {(int)reply.StatusCode} {reply.ReasonPhrase}");
                var type = reply.Content.Headers.ContentType?.MediaType;
                if (!string.Equals(type, DnsMessageMediaType, StringComparison.OrdinalIgnoreCase))
                    throw new DnsUpstreamException($"{Name} answered with content type '{type}', not {DnsMessageMediaType}");
                length = await ReadBodyAsync(reply.Content, response, ct).ConfigureAwait(false);
            }
            catch (HttpRequestException e)
            {
                throw new DnsUpstreamException($"{Name}: {TlsDnsUpstream.Describe(e)}", e);
            }
            catch (IOException e)
            {
                throw new DnsUpstreamException($"{Name}: reading the answer failed: {TlsDnsUpstream.Describe(e)}", e);
            }
            var answer = response.Span[..length];
            if (length < DnsHeader.Length || !DnsMessages.AnswersQuestion(query.Span, answer))
                throw new DnsUpstreamException($"{Name} answered with a {length}-byte body that is not an answer to the query");
            DnsMessages.WriteId(answer, DnsMessages.ReadId(query.Span));
            return length;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(body);
        }
    }

    /// <summary>Closes the connections.</summary>
    public void Dispose() => _client.Dispose();

    private async Task<int> ReadBodyAsync(HttpContent content, Memory<byte> response, CancellationToken ct)
    {
        var stream = await content.ReadAsStreamAsync(ct).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            int length = 0;
            while (true)
            {
                if (length == response.Length)
                {
                    // Full: one more byte means the answer does not fit.
                    var probe = new byte[1];
                    if (await stream.ReadAsync(probe, ct).ConfigureAwait(false) != 0)
                        throw new DnsUpstreamException($"{Name} sent an answer larger than the {response.Length}-byte buffer");
                    return length;
                }
                int read = await stream.ReadAsync(response[length..], ct).ConfigureAwait(false);
                if (read == 0)
                    return length;
                length += read;
            }
        }
    }

    private async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken ct)
    {
        var result = await _outbound.ConnectTcpAsync(_server, ct).ConfigureAwait(false);
        if (!result.IsSuccess)
            throw new DnsUpstreamException($"cannot connect to {_server} ({_outbound.Name}): {result.Message}");
        return new OwnedConnectionStream(result.Connection);
    }
}
