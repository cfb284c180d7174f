namespace SharpTun.Proxy.Outbounds;

/// <summary>
/// One connection attempt's time limit: <see cref="Token"/> is cancelled when the caller cancels or
/// the connect timeout passes; <see cref="IsTimeout"/> tells which, so a timeout becomes
/// <see cref="OutboundError.TimedOut"/> while the caller's cancellation still throws.
/// </summary>
internal sealed class ConnectDeadline : IDisposable
{
    private readonly CancellationTokenSource _timeout;
    private readonly CancellationTokenSource _linked;
    private readonly CancellationToken _caller;

    public ConnectDeadline(OutboundOptions options, CancellationToken caller)
    {
        _caller = caller;
        _timeout = new CancellationTokenSource(options.ConnectTimeout, options.TimeProvider);
        _linked = CancellationTokenSource.CreateLinkedTokenSource(caller, _timeout.Token);
    }

    public CancellationToken Token => _linked.Token;

    /// <summary>True when the deadline passed and the caller did not cancel.</summary>
    public bool IsTimeout => _timeout.IsCancellationRequested && !_caller.IsCancellationRequested;

    public void Dispose()
    {
        _linked.Dispose();
        _timeout.Dispose();
    }
}
