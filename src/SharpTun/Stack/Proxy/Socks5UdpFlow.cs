using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;
using SharpTun.Proxy;
using SharpTun.Proxy.Outbounds;
using SharpTun.Proxy.Outbounds.Socks5;
using SharpTun.Stack.Nat;
using SharpTun.Tun;

namespace SharpTun.Stack.Proxy;

/// <summary>
/// A UDP association through a SOCKS5 server (RFC 1928 §7 UDP ASSOCIATE). Opening it takes a TCP
/// handshake, so the first datagrams are held (a few, copied) until it is open rather than lost:
/// losing a DNS query costs the app a retry timeout of a second or more. Once open, sending and
/// receiving a datagram allocate nothing: sending is synchronous, the destination's SOCKS5 form is
/// kept while the app talks to one remote, and a datagram already waiting is received without an
/// async state machine.
/// </summary>
public sealed class Socks5UdpFlow : UdpAssociation
{
    /// <summary>Datagrams held while the association opens; more are dropped.</summary>
    public const int MaximumHeld = 16;

    private readonly Lock _gate = new();
    private readonly Queue<(NatEndpoint Destination, byte[] Payload)> _held = new();
    private readonly TaskCompletionSource<Socks5UdpAssociation?> _opened = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Socks5UdpAssociation? _association;
    private LastDestination? _lastDestination;
    private string? _openFailure;

    public Socks5UdpFlow(NatEndpoint app, ITunQueue queue, Socks5Outbound outbound, ILogger logger) : base(app, queue)
    {
        _ = OpenAsync(outbound, logger);
        StartReceiving();
    }

    private async Task OpenAsync(Socks5Outbound outbound, ILogger logger)
    {
        Socks5UdpAssociateResult result;
        try
        {
            result = await outbound.OpenUdpAssociationAsync(Closed).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            Opened(null);
            return;
        }
        if (!result.IsSuccess)
        {
            _openFailure = result.ToString();
            logger.LogWarning("udp {App} via {Outbound}: {Error}", App, outbound.Name, _openFailure);
        }
        if (Closed.IsCancellationRequested && result.Association is { } late)
        {
            await late.DisposeAsync().ConfigureAwait(false); // disposed while opening
            Opened(null);
            return;
        }
        Opened(result.Association);
    }

    /// <summary>
    /// Sends the held datagrams through <paramref name="association"/>, or drops them when it is null,
    /// taking back from the counts every one that did not go; then lets sends and receives proceed.
    /// Under the gate, so no datagram is held after the queue has been emptied.
    /// </summary>
    private void Opened(Socks5UdpAssociation? association)
    {
        lock (_gate)
        {
            _association = association;
            while (_held.TryDequeue(out var held))
            {
                if (association is null || !association.Send(ToProxyDestination(held.Destination), held.Payload))
                    UncountSent(held.Payload.Length);
            }
            _opened.TrySetResult(association);
        }
    }

    protected override bool SendCore(NatEndpoint destination, ArraySegment<byte> payload)
    {
        Socks5UdpAssociation? association;
        lock (_gate)
        {
            association = _association;
            if (association is null)
            {
                if (_opened.Task.IsCompleted || _held.Count >= MaximumHeld)
                    return false;
                _held.Enqueue((destination, payload.ToArray()));
                return true;
            }
        }
        return association.Send(ToProxyDestination(destination), payload);
    }

    /// <summary>The SOCKS5 destination of <paramref name="destination"/>, built only when it differs from the last one.</summary>
    private ProxyDestination ToProxyDestination(NatEndpoint destination)
    {
        var last = Volatile.Read(ref _lastDestination);
        if (last is null || last.Endpoint != destination)
        {
            // A fake address goes as its name (RFC 1928 §7 allows DOMAINNAME), so the relay resolves it.
            last = new LastDestination(destination, TryGetFakeDomain(destination, out var domain) && ProxyDestination.TryCreate(domain, destination.Port, out var named, out _)
                ? named
                : ProxyDestination.FromEndPoint(destination.ToIPEndPoint()));
            Volatile.Write(ref _lastDestination, last);
        }
        return last.Destination;
    }

    // A datagram already waiting goes through without an async state machine (see
    // Socks5UdpAssociation.ReceiveAsync); only waiting for the association or a datagram is asynchronous.
    protected override ValueTask<(int Length, NatEndpoint Remote)?> ReceiveAsync(Memory<byte> payload, CancellationToken ct)
    {
        if (!_opened.Task.IsCompletedSuccessfully)
            return ReceiveWhenOpenAsync(payload, ct);
        if (_opened.Task.Result is not { } association)
            return ValueTask.FromResult<(int, NatEndpoint)?>(null);
        while (true)
        {
            var receiving = association.ReceiveAsync(payload, ct);
            if (!receiving.IsCompletedSuccessfully)
                return ReceiveSlowAsync(association, receiving, payload, ct);
            if (TryConvert(receiving.Result, out var received))
                return ValueTask.FromResult(received);
        }
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<(int Length, NatEndpoint Remote)?> ReceiveWhenOpenAsync(Memory<byte> payload, CancellationToken ct)
    {
        await _opened.Task.WaitAsync(ct).ConfigureAwait(false);
        return await ReceiveAsync(payload, ct).ConfigureAwait(false);
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<(int Length, NatEndpoint Remote)?> ReceiveSlowAsync(Socks5UdpAssociation association,
        ValueTask<Socks5UdpReceiveResult> receiving, Memory<byte> payload, CancellationToken ct)
    {
        while (true)
        {
            if (TryConvert(await receiving.ConfigureAwait(false), out var received))
                return received;
            receiving = association.ReceiveAsync(payload, ct);
        }
    }

    /// <summary>
    /// The payload length and remote of a datagram, or null when the association has closed; false
    /// for a datagram to skip: a relay answering by domain name cannot be turned into a packet.
    /// </summary>
    private static bool TryConvert(Socks5UdpReceiveResult result, out (int Length, NatEndpoint Remote)? received)
    {
        received = null;
        if (result.IsClosed)
            return true;
        if (result.Source.Address is not { } address)
            return false;
        received = (result.Length, NatEndpoint.FromIPAddress(address, (ushort)result.Source.Port));
        return true;
    }

    protected override string ClosedByOutbound => _openFailure ?? "the SOCKS5 server closed the UDP association";

    protected override void DisposeCore()
    {
        Socks5UdpAssociation? association;
        lock (_gate)
            association = _association;
        if (association is not null)
            _ = association.DisposeAsync().AsTask();
    }

    /// <summary>One object, swapped whole, so a reader never sees an endpoint paired with another's destination.</summary>
    private sealed record LastDestination(NatEndpoint Endpoint, ProxyDestination Destination);
}
