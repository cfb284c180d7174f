using System.Net;
using System.Net.Sockets;

namespace SharpTun.Proxy.Outbounds;

/// <summary>The outcome of <see cref="TcpConnector.ConnectAsync"/>: a connected socket or an error with a message.</summary>
internal readonly record struct TcpConnectAttempt(Socket? Socket, OutboundError Error, string Message);

/// <summary>
/// Opens a TCP connection to a destination the way every outbound needs it: resolve a domain
/// (only when given one) with <see cref="OutboundOptions.DomainResolver"/>, try the addresses in order, apply <see cref="OutboundSocketOptions"/> to
/// each socket before connecting, set TCP_NODELAY, and map socket errors to <see cref="OutboundError"/>.
/// </summary>
internal static class TcpConnector
{
    /// <param name="target">Where to connect.</param>
    /// <param name="role">What the target is, for messages: "" for the destination itself, "SOCKS5 server " for a proxy.</param>
    /// <param name="options">The resolver for a domain target and the socket options to apply.</param>
    /// <param name="deadline">The attempt's deadline; caller cancellation throws, the timeout becomes <see cref="OutboundError.TimedOut"/>.</param>
    public static async ValueTask<TcpConnectAttempt> ConnectAsync(ProxyDestination target, string role, OutboundOptions options, ConnectDeadline deadline)
    {
        IPAddress[] addresses;
        if (target.IsDomain)
        {
            try
            {
                addresses = await options.DomainResolver.ResolveAsync(target.Domain, deadline.Token).ConfigureAwait(false);
            }
            catch (SocketException e)
            {
                return new(null, OutboundError.Unreachable, $"cannot resolve {role}{target.Domain}: {Describe(e.SocketErrorCode)}");
            }
            catch (OperationCanceledException) when (deadline.IsTimeout)
            {
                return new(null, OutboundError.TimedOut, $"resolving {role}{target.Domain} timed out");
            }
            if (addresses.Length == 0)
                return new(null, OutboundError.Unreachable, $"{role}{target.Domain} has no addresses");
        }
        else
        {
            addresses = [target.Address];
        }

        var lastError = SocketError.HostUnreachable;
        foreach (var address in addresses)
        {
            var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                try
                {
                    options.SocketOptions.Apply(socket);
                }
                catch (SocketException e)
                {
                    socket.Dispose();
                    return new(null, OutboundError.NetworkError, $"cannot set {options.SocketOptions} on the socket for {role}{target}: {Describe(e.SocketErrorCode)}{PermissionHint(e.SocketErrorCode)}");
                }
                socket.NoDelay = true;
                await OutboundSocketIo.ConnectAsync(socket, new IPEndPoint(address, target.Port), deadline.Token).ConfigureAwait(false);
                return new(socket, OutboundError.None, "connected");
            }
            catch (SocketException e)
            {
                socket.Dispose();
                lastError = e.SocketErrorCode;
            }
            catch (OperationCanceledException) when (deadline.IsTimeout)
            {
                socket.Dispose();
                return new(null, OutboundError.TimedOut, $"connecting to {role}{Format(target, address)} timed out");
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        }
        var where = addresses.Length == 1 ? Format(target, addresses[0]) : $"{target} ({addresses.Length} addresses)";
        return new(null, ToOutboundError(lastError), $"connecting to {role}{where} failed: {Describe(lastError)}");
    }

    /// <summary>How a socket error code reads as an outbound failure.</summary>
    public static OutboundError ToOutboundError(SocketError error) => error switch
    {
        SocketError.ConnectionRefused => OutboundError.Refused,
        SocketError.HostUnreachable or SocketError.NetworkUnreachable or SocketError.HostNotFound or SocketError.NoData
            or SocketError.HostDown or SocketError.NetworkDown or SocketError.AddressNotAvailable or SocketError.TryAgain => OutboundError.Unreachable,
        SocketError.TimedOut => OutboundError.TimedOut,
        _ => OutboundError.NetworkError,
    };

    /// <summary>A readable name for a socket error ("connection refused").</summary>
    public static string Describe(SocketError error) => error switch
    {
        SocketError.ConnectionRefused => "connection refused",
        SocketError.ConnectionReset => "connection reset",
        SocketError.HostUnreachable => "host unreachable",
        SocketError.NetworkUnreachable => "network unreachable",
        SocketError.HostNotFound => "name not found",
        SocketError.TimedOut => "timed out",
        SocketError.AccessDenied => "permission denied",
        _ => error.ToString(),
    };

    private static string PermissionHint(SocketError error) =>
        error == SocketError.AccessDenied ? " (run as root or grant CAP_NET_ADMIN and CAP_NET_RAW)" : "";

    private static string Format(ProxyDestination target, IPAddress address) =>
        target.IsDomain ? $"{target} ({address})" : target.ToString();
}
