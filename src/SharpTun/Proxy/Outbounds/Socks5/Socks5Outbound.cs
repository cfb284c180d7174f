using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Logging;

namespace SharpTun.Proxy.Outbounds.Socks5;

/// <summary>
/// Connects through a SOCKS5 server (RFC 1928), authenticating with username/password (RFC 1929)
/// when credentials are given. CONNECT sends the domain name when the destination has one (the
/// server resolves it), the address otherwise. <see cref="OpenUdpAssociationAsync"/> opens a UDP
/// ASSOCIATE relay (§7). Connect, handshake and (for UDP) the relay lookup share one timeout.
/// </summary>
public sealed partial class Socks5Outbound : IOutbound
{
    /// <summary>DST of a UDP ASSOCIATE request when the client's sending address is not known in advance (RFC 1928 §7).</summary>
    private static readonly ProxyDestination Unspecified = ProxyDestination.FromAddress(IPAddress.Any, 0);

    private readonly ProxyDestination _server;
    private readonly ProxyCredentials? _credentials;
    private readonly OutboundOptions _options;
    private readonly ILogger _logger;
    private readonly string _serverName;

    /// <param name="server">The SOCKS5 server.</param>
    /// <param name="credentials">User name and password (each 1-255 bytes of UTF-8), or null for no authentication.</param>
    /// <param name="options">Timeout and socket options; the socket to the server carries the fwmark/interface.</param>
    /// <param name="logger">Receives a debug line for each failure.</param>
    public Socks5Outbound(ProxyDestination server, ProxyCredentials? credentials, OutboundOptions options, ILogger logger)
    {
        if (credentials is not null)
        {
            // RFC 1929 §2: ULEN and PLEN are single octets, 1-255.
            if (Encoding.UTF8.GetByteCount(credentials.UserName) is 0 or > 255 || Encoding.UTF8.GetByteCount(credentials.Password) is 0 or > 255)
                throw new ArgumentException("SOCKS5 user name and password must each be 1-255 bytes (RFC 1929)", nameof(credentials));
        }
        _server = server;
        _credentials = credentials;
        _options = options;
        _logger = logger;
        _serverName = server.ToString();
    }

    /// <inheritdoc/>
    public string Name => "socks5 " + _serverName;

    /// <inheritdoc/>
    public async ValueTask<OutboundConnectResult> ConnectTcpAsync(ProxyDestination destination, CancellationToken ct)
    {
        using var deadline = new ConnectDeadline(_options, ct);
        var (socket, error, message, _) = await ConnectAndHandshakeAsync(Socks5Handshake.CommandConnect, destination, deadline).ConfigureAwait(false);
        if (socket is null)
        {
            LogFailed("CONNECT", destination, error, message);
            return OutboundConnectResult.Failure(error, message);
        }
        return OutboundConnectResult.Success(new ProxyConnection(socket));
    }

    /// <summary>
    /// Opens a UDP association (RFC 1928 §7). The request carries DST 0.0.0.0:0 (the client's
    /// sending address is not known in advance, which the RFC allows). The relay is at the reply's
    /// BND address, or at the server's own address when BND is 0.0.0.0 or :: (as many servers send).
    /// Expected failures come back as values, like <see cref="ConnectTcpAsync"/>.
    /// </summary>
    public async ValueTask<Socks5UdpAssociateResult> OpenUdpAssociationAsync(CancellationToken ct)
    {
        using var deadline = new ConnectDeadline(_options, ct);
        var (control, error, message, bound) = await ConnectAndHandshakeAsync(Socks5Handshake.CommandUdpAssociate, Unspecified, deadline).ConfigureAwait(false);
        if (control is null)
        {
            LogFailed("UDP ASSOCIATE", Unspecified, error, message);
            return Socks5UdpAssociateResult.Failure(error, message);
        }

        Socket? udp = null;
        try
        {
            IPAddress relayAddress;
            if (bound.IsDomain)
            {
                var addresses = await _options.DomainResolver.ResolveAsync(bound.Domain, deadline.Token).ConfigureAwait(false);
                if (addresses.Length == 0)
                    return FailUdp(control, OutboundError.Unreachable, $"SOCKS5 server {_serverName} named the UDP relay {bound}, which has no addresses");
                relayAddress = addresses[0];
            }
            else
            {
                relayAddress = bound.Address.Equals(IPAddress.Any) || bound.Address.Equals(IPAddress.IPv6Any)
                    ? ((IPEndPoint)control.RemoteEndPoint!).Address
                    : bound.Address;
            }
            if (bound.Port == 0)
                return FailUdp(control, OutboundError.ProxyProtocolError, $"SOCKS5 server {_serverName} named the UDP relay at port 0");
            var relay = new IPEndPoint(relayAddress, bound.Port);
            udp = new Socket(relay.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
            _options.SocketOptions.Apply(udp);
            // Connected: the kernel then delivers only datagrams from the relay.
            udp.Connect(relay);
            var association = new Socks5UdpAssociation(control, udp, relay);
            udp = null;
            return Socks5UdpAssociateResult.Success(association);
        }
        catch (SocketException e)
        {
            udp?.Dispose();
            return FailUdp(control, TcpConnector.ToOutboundError(e.SocketErrorCode), $"cannot set up the UDP socket to SOCKS5 server {_serverName}'s relay: {TcpConnector.Describe(e.SocketErrorCode)}");
        }
        catch (OperationCanceledException) when (deadline.IsTimeout)
        {
            return FailUdp(control, OutboundError.TimedOut, $"resolving the UDP relay {bound} of SOCKS5 server {_serverName} timed out");
        }
        catch
        {
            udp?.Dispose();
            control.Dispose();
            throw;
        }
    }

    private Socks5UdpAssociateResult FailUdp(Socket control, OutboundError error, string message)
    {
        control.Dispose();
        LogFailed("UDP ASSOCIATE", Unspecified, error, message);
        return Socks5UdpAssociateResult.Failure(error, message);
    }

    private async ValueTask<(Socket? Socket, OutboundError Error, string Message, ProxyDestination Bound)> ConnectAndHandshakeAsync(byte command, ProxyDestination target, ConnectDeadline deadline)
    {
        var attempt = await TcpConnector.ConnectAsync(_server, "SOCKS5 server ", _options, deadline).ConfigureAwait(false);
        if (attempt.Socket is not { } socket)
            return (null, attempt.Error, attempt.Message, default);
        var handshake = Socks5Handshake.Create(socket, _serverName, deadline.Token);
        try
        {
            var result = await handshake.RunAsync(_credentials, command, target).ConfigureAwait(false);
            if (result.Error == OutboundError.None)
                return (socket, OutboundError.None, result.Message, result.Bound);
            socket.Dispose();
            return (null, result.Error, result.Message, default);
        }
        catch (OperationCanceledException) when (deadline.IsTimeout)
        {
            socket.Dispose();
            return (null, OutboundError.TimedOut, $"SOCKS5 server {_serverName} did not answer within {_options.ConnectTimeout.TotalSeconds:0.###} s (waiting for {handshake.Phase})", default);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "socks5 {Command} to {Destination} failed ({Error}): {Reason}")]
    private partial void LogFailed(string command, ProxyDestination destination, OutboundError error, string reason);
}
