using SharpTun.Stack.Nat;
using SharpTun.Tun;

namespace SharpTun.Stack.Proxy;

/// <summary>
/// The association of an app endpoint whose outbound carries no UDP (HTTP CONNECT, reject): every
/// datagram is dropped and counted as such, and the flow still gets its log line.
/// </summary>
public sealed class DroppingUdpAssociation : UdpAssociation
{
    private readonly TaskCompletionSource _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public DroppingUdpAssociation(NatEndpoint app, ITunQueue queue) : base(app, queue) => StartReceiving();

    protected override bool SendCore(NatEndpoint destination, ArraySegment<byte> payload) => false;

    protected override async ValueTask<(int Length, NatEndpoint Remote)?> ReceiveAsync(Memory<byte> payload, CancellationToken ct)
    {
        await _closed.Task.WaitAsync(ct).ConfigureAwait(false);
        return null;
    }

    protected override void DisposeCore() => _closed.TrySetResult();
}
