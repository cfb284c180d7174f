using System.Buffers;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Logging;

namespace SharpTun.Proxy.Outbounds.Http;

/// <summary>
/// Connects through an HTTP proxy with a CONNECT tunnel (RFC 9110 §9.3.6): sends
/// <c>CONNECT host:port HTTP/1.1</c> with a Host header and, when credentials are given,
/// <c>Proxy-Authorization: Basic</c> (RFC 7617, UTF-8). Any 2xx status opens the tunnel. The
/// response head is read into one pooled buffer of <see cref="MaxResponseHeadLength"/> bytes; a
/// longer head is refused. Bytes that arrived after the blank line ending the head belong to the
/// tunnel and are handed to the caller first through <see cref="ProxyConnection"/>.
/// </summary>
public sealed partial class HttpConnectOutbound : IOutbound
{
    /// <summary>Largest response head (status line and headers) accepted.</summary>
    public const int MaxResponseHeadLength = 8192;

    private readonly ProxyDestination _server;
    private readonly string? _authorization;
    private readonly OutboundOptions _options;
    private readonly ILogger _logger;
    private readonly string _serverName;

    /// <param name="server">The HTTP proxy.</param>
    /// <param name="credentials">User name and password for Basic authentication, or null.</param>
    /// <param name="options">Timeout and socket options; the socket to the proxy carries the fwmark/interface.</param>
    /// <param name="logger">Receives a debug line for each failure.</param>
    public HttpConnectOutbound(ProxyDestination server, ProxyCredentials? credentials, OutboundOptions options, ILogger logger)
    {
        if (credentials is not null && credentials.UserName.Contains(':'))
            throw new ArgumentException("an HTTP Basic user name cannot contain ':' (RFC 7617 §2)", nameof(credentials));
        _server = server;
        _authorization = credentials is null ? null : "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes(credentials.UserName + ":" + credentials.Password));
        _options = options;
        _logger = logger;
        _serverName = server.ToString();
    }

    /// <inheritdoc/>
    public string Name => "http " + _serverName;

    /// <inheritdoc/>
    public async ValueTask<OutboundConnectResult> ConnectTcpAsync(ProxyDestination destination, CancellationToken ct)
    {
        using var deadline = new ConnectDeadline(_options, ct);
        var attempt = await TcpConnector.ConnectAsync(_server, "HTTP proxy ", _options, deadline).ConfigureAwait(false);
        if (attempt.Socket is not { } socket)
            return Fail(destination, attempt.Error, attempt.Message);

        var buffer = ArrayPool<byte>.Shared.Rent(MaxResponseHeadLength);
        try
        {
            var authority = destination.ToString();
            var request = $"CONNECT {authority} HTTP/1.1\r\nHost: {authority}\r\n"
                + (_authorization is null ? "" : $"Proxy-Authorization: {_authorization}\r\n")
                + "\r\n";
            var requestBytes = Encoding.ASCII.GetBytes(request);
            for (var sent = 0; sent < requestBytes.Length;)
                sent += await OutboundSocketIo.SendAsync(socket, requestBytes.AsMemory(sent), deadline.Token).ConfigureAwait(false);

            var (headLength, received, readError) = await ReadHeadAsync(socket, buffer.AsMemory(0, MaxResponseHeadLength), deadline.Token).ConfigureAwait(false);
            if (readError is not null)
                return Close(socket, destination, OutboundError.ProxyProtocolError, $"HTTP proxy {_serverName} {readError}");
            var response = HttpConnectResponse.Parse(buffer.AsSpan(0, headLength));
            if (response.Problem is not null)
                return Close(socket, destination, OutboundError.ProxyProtocolError, $"HTTP proxy {_serverName} {response.Problem}");
            if (response.StatusCode is < 200 or > 299)
                return Close(socket, destination, ToOutboundError(response.StatusCode), $"HTTP proxy {_serverName} {DescribeRefusal(response, destination)}");
            var early = buffer.AsSpan(headLength, received - headLength).ToArray();
            return OutboundConnectResult.Success(new ProxyConnection(socket, early));
        }
        catch (SocketException e)
        {
            return Close(socket, destination, OutboundError.NetworkError, $"HTTP proxy {_serverName} connection failed during CONNECT: {TcpConnector.Describe(e.SocketErrorCode)}");
        }
        catch (OperationCanceledException) when (deadline.IsTimeout)
        {
            return Close(socket, destination, OutboundError.TimedOut, $"HTTP proxy {_serverName} did not answer CONNECT within {_options.ConnectTimeout.TotalSeconds:0.###} s");
        }
        catch
        {
            socket.Dispose();
            throw;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>
    /// Reads until the blank line that ends the response head (RFC 9112 §2.1). Returns the head's
    /// length including the blank line, the total bytes received, or what went wrong.
    /// </summary>
    private static async ValueTask<(int HeadLength, int Received, string? Error)> ReadHeadAsync(Socket socket, Memory<byte> buffer, CancellationToken ct)
    {
        var received = 0;
        while (true)
        {
            if (received == buffer.Length)
                return (0, received, $"sent a response head longer than {MaxResponseHeadLength} bytes");
            var count = await OutboundSocketIo.ReceiveAsync(socket, buffer[received..], ct).ConfigureAwait(false);
            if (count == 0)
                return (0, received, received == 0
                    ? "closed the connection without answering CONNECT"
                    : $"closed the connection before the end of its response head (after {received} bytes)");
            var searchFrom = Math.Max(0, received - 3);
            received += count;
            var end = buffer.Span[searchFrom..received].IndexOf("\r\n\r\n"u8);
            if (end >= 0)
                return (searchFrom + end + 4, received, null);
        }
    }

    /// <summary>
    /// A refusal status as an outbound failure. 502 and 503 are what proxies (squid, tinyproxy)
    /// answer when their own connect fails; 504 when it times out. Proxy authentication fails with
    /// 407 (RFC 9110 §15.5.8), but tinyproxy's BasicAuth answers 401, so that counts as one too.
    /// </summary>
    private static OutboundError ToOutboundError(int status) => status switch
    {
        407 or 401 => OutboundError.AuthenticationFailed,
        403 => OutboundError.Rejected,
        502 or 503 => OutboundError.Unreachable,
        504 => OutboundError.TimedOut,
        _ => OutboundError.ProxyProtocolError,
    };

    private string DescribeRefusal(HttpConnectResponse response, ProxyDestination destination) => response.StatusCode switch
    {
        407 or 401 when _authorization is null => $"requires authentication ({response.StatusLine}); give user:pass in the proxy URL",
        407 or 401 => $"rejected our credentials ({response.StatusLine})",
        _ => $"refused CONNECT {destination} ({response.StatusLine})",
    };

    private OutboundConnectResult Close(Socket socket, ProxyDestination destination, OutboundError error, string message)
    {
        socket.Dispose();
        return Fail(destination, error, message);
    }

    private OutboundConnectResult Fail(ProxyDestination destination, OutboundError error, string message)
    {
        LogConnectFailed(destination, error, message);
        return OutboundConnectResult.Failure(error, message);
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "http CONNECT to {Destination} failed ({Error}): {Reason}")]
    private partial void LogConnectFailed(ProxyDestination destination, OutboundError error, string reason);
}
