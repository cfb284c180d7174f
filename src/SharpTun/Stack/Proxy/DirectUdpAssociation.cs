using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using SharpTun.Proxy.Outbounds;
using SharpTun.Stack.Nat;
using SharpTun.Tun;

namespace SharpTun.Stack.Proxy;

/// <summary>
/// A UDP association on the direct path: one unconnected UDP socket of the app's family, carrying
/// the loop-prevention mark/binding, that sends to any destination and accepts answers from any remote.
/// </summary>
public sealed class DirectUdpAssociation : UdpAssociation
{
    private readonly Socket _socket;
    private readonly SocketAddress _received;
    // Most flows talk to one destination: keep its socket address instead of building one per datagram.
    private NatEndpoint _lastDestination;
    private SocketAddress? _lastDestinationAddress;

    public DirectUdpAssociation(NatEndpoint app, ITunQueue queue, OutboundSocketOptions socketOptions) : base(app, queue)
    {
        _socket = new Socket(app.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        try
        {
            socketOptions.Apply(_socket);
            _socket.Bind(new IPEndPoint(app.IsIPv6 ? IPAddress.IPv6Any : IPAddress.Any, 0));
        }
        catch
        {
            _socket.Dispose();
            throw;
        }
        _received = new SocketAddress(app.AddressFamily);
        StartReceiving();
    }

    protected override bool SendCore(NatEndpoint destination, ArraySegment<byte> payload)
    {
        if (_lastDestinationAddress is null || destination != _lastDestination)
        {
            _lastDestinationAddress = destination.ToIPEndPoint().Serialize();
            _lastDestination = destination;
        }
        try
        {
            return _socket.SendTo(payload, SocketFlags.None, _lastDestinationAddress) == payload.Count;
        }
        catch (SocketException)
        {
            // Unreachable network, full buffer, an ICMP error from an earlier datagram: UDP is lossy.
            return false;
        }
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    protected override async ValueTask<(int Length, NatEndpoint Remote)?> ReceiveAsync(Memory<byte> payload, CancellationToken ct)
    {
        while (true)
        {
            int length;
            try
            {
                length = await _socket.ReceiveFromAsync(payload, SocketFlags.None, _received, ct).ConfigureAwait(false);
            }
            catch (SocketException e) when (e.SocketErrorCode is SocketError.ConnectionRefused or SocketError.HostUnreachable or SocketError.NetworkUnreachable or SocketError.MessageSize)
            {
                continue; // an ICMP error for an earlier datagram, or an oversized one: wait for the next
            }
            return (length, NatSocketAddress.Read(_received));
        }
    }

    protected override void DisposeCore() => _socket.Dispose();
}
