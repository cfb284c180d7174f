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

    // A datagram already waiting is received without an async state machine (a class in a Debug
    // build, so one allocation per datagram there), as in Socks5UdpFlow; only a wait goes asynchronous.
    protected override ValueTask<(int Length, NatEndpoint Remote)?> ReceiveAsync(Memory<byte> payload, CancellationToken ct)
    {
        while (true)
        {
            var receiving = _socket.ReceiveFromAsync(payload, SocketFlags.None, _received, ct);
            if (!receiving.IsCompleted)
                return ReceiveSlowAsync(receiving, payload, ct);
            if (TryComplete(receiving, out var received))
                return ValueTask.FromResult(received);
        }
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<(int Length, NatEndpoint Remote)?> ReceiveSlowAsync(ValueTask<int> receiving, Memory<byte> payload, CancellationToken ct)
    {
        while (true)
        {
            try
            {
                var length = await receiving.ConfigureAwait(false);
                return (length, NatSocketAddress.Read(_received));
            }
            catch (SocketException e) when (IsSkippable(e))
            {
            }
            receiving = _socket.ReceiveFromAsync(payload, SocketFlags.None, _received, ct);
        }
    }

    /// <summary>The datagram of a receive that completed at once; false for an error to skip.</summary>
    private bool TryComplete(ValueTask<int> receiving, out (int Length, NatEndpoint Remote)? received)
    {
        try
        {
            received = (receiving.GetAwaiter().GetResult(), NatSocketAddress.Read(_received));
            return true;
        }
        catch (SocketException e) when (IsSkippable(e))
        {
            received = null;
            return false;
        }
    }

    /// <summary>An ICMP error for an earlier datagram, or an oversized one: wait for the next.</summary>
    private static bool IsSkippable(SocketException e) =>
        e.SocketErrorCode is SocketError.ConnectionRefused or SocketError.HostUnreachable or SocketError.NetworkUnreachable or SocketError.MessageSize;

    protected override void DisposeCore() => _socket.Dispose();
}
