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

    /// <summary>Datagrams to a fake address held while its name resolves; more are dropped.</summary>
    public const int MaximumHeld = 16;

    private readonly Lock _resolving = new();
    private readonly List<(NatEndpoint Destination, byte[] Payload)> _held = [];
    private ResolvedFake? _resolvedFake;
    private bool _resolveRunning;

    /// <summary>Resolves the name behind a fake destination (the proxy's upstream resolvers); without it such datagrams are dropped.</summary>
    public FlowRouter.DomainResolver? Resolve { get; set; }

    protected override bool SendCore(NatEndpoint destination, ArraySegment<byte> payload)
    {
        if (FakeAddresses is { } pool && pool.IsFake(destination))
        {
            if (Volatile.Read(ref _resolvedFake) is { } resolved && resolved.Fake == destination)
                destination = resolved.Real;
            else
                return HoldWhileResolving(destination, payload);
        }
        return SendTo(destination, payload);
    }

    private bool SendTo(NatEndpoint destination, ArraySegment<byte> payload)
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

    /// <summary>Keeps a datagram to a fake address until its name resolved (one resolution at a time; the app's retries wait with it).</summary>
    private bool HoldWhileResolving(NatEndpoint fake, ArraySegment<byte> payload)
    {
        if (Resolve is null)
            return false;
        lock (_resolving)
        {
            if (_held.Count >= MaximumHeld)
                return false;
            _held.Add((fake, payload.ToArray()));
            if (_resolveRunning)
                return true;
            _resolveRunning = true;
        }
        _ = ResolveAndSendAsync(fake);
        return true;
    }

    private async Task ResolveAndSendAsync(NatEndpoint fake)
    {
        NatEndpoint? real = null;
        try
        {
            if (TryGetFakeDomain(fake, out var domain))
            {
                foreach (var address in await Resolve!(domain, Closed).ConfigureAwait(false))
                {
                    var candidate = NatEndpoint.FromIPAddress(address, fake.Port);
                    if (candidate.IsIPv6 == App.IsIPv6)
                    {
                        real = candidate;
                        break;
                    }
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException or System.Net.Sockets.SocketException)
        {
            // Ended while resolving, or the name does not resolve: the held datagrams are dropped.
        }
        if (real is { } found)
        {
            TryGetFakeDomain(fake, out _, found); // answers from the real address show as from the fake one
            Volatile.Write(ref _resolvedFake, new ResolvedFake(fake, found));
        }
        List<(NatEndpoint Destination, byte[] Payload)> held;
        lock (_resolving)
        {
            held = [.. _held];
            _held.Clear();
            _resolveRunning = false;
        }
        foreach (var (destination, payload) in held)
        {
            // Datagrams to another fake address start their own resolution through SendCore.
            var sent = destination == fake ? real is { } to && SendTo(to, payload) : SendCore(destination, payload);
            if (!sent)
                UncountSent(payload.Length);
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

    private sealed record ResolvedFake(NatEndpoint Fake, NatEndpoint Real);
}
