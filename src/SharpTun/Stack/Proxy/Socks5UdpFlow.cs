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
/// losing a DNS query costs the app a retry timeout of a second or more.
/// </summary>
public sealed class Socks5UdpFlow : UdpAssociation
{
    /// <summary>Datagrams held while the association opens; more are dropped.</summary>
    public const int MaximumHeld = 16;

    private readonly Lock _gate = new();
    private readonly Queue<(NatEndpoint Destination, byte[] Payload)> _held = new();
    private readonly TaskCompletionSource<Socks5UdpAssociation?> _opened = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Socks5UdpAssociation? _association;

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
            _opened.TrySetResult(null);
            return;
        }
        if (!result.IsSuccess)
            logger.LogWarning("udp {App} via {Outbound}: {Error}", App, outbound.Name, result.ToString());
        if (Closed.IsCancellationRequested && result.Association is { } late)
        {
            await late.DisposeAsync().ConfigureAwait(false); // disposed while opening
            _opened.TrySetResult(null);
            return;
        }
        lock (_gate)
        {
            _association = result.Association;
            while (_association is not null && _held.TryDequeue(out var held))
                _ = _association.SendAsync(ProxyDestination.FromEndPoint(held.Destination.ToIPEndPoint()), held.Payload, Closed);
            _held.Clear();
        }
        _opened.TrySetResult(result.Association);
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
        // A UDP send completes at once unless the socket buffer is full; the reader's buffer is only
        // borrowed until then, so wait for it in that rare case.
        var sending = association.SendAsync(ProxyDestination.FromEndPoint(destination.ToIPEndPoint()), payload, Closed);
        return sending.IsCompletedSuccessfully ? sending.Result : sending.AsTask().GetAwaiter().GetResult();
    }

    protected override async ValueTask<(int Length, NatEndpoint Remote)?> ReceiveAsync(Memory<byte> payload, CancellationToken ct)
    {
        var association = await _opened.Task.WaitAsync(ct).ConfigureAwait(false);
        if (association is null)
            return null;
        while (true)
        {
            var received = await association.ReceiveAsync(payload, ct).ConfigureAwait(false);
            if (received.IsClosed)
                return null;
            // A relay answering by domain name cannot be turned into a packet; skip such datagrams.
            if (received.Source.Address is { } address)
                return (received.Length, NatEndpoint.FromIPEndPoint(new System.Net.IPEndPoint(address, received.Source.Port)));
        }
    }

    protected override void DisposeCore()
    {
        Socks5UdpAssociation? association;
        lock (_gate)
            association = _association;
        if (association is not null)
            _ = association.DisposeAsync().AsTask();
    }
}
