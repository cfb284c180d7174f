namespace SharpTun.Cli.Vpn;

/// <summary>A running WireGuard data plane, owned by <c>sharptun vpn up</c>.</summary>
public interface IVpnEngine : IDisposable
{
    /// <summary>
    /// Completes when the engine stops by itself: faulted with the reason after an error it cannot
    /// recover from (<c>up</c> then logs it, undoes the host changes and exits 1). It never completes
    /// while the engine runs normally; after <see cref="Stop"/> it may complete either way.
    /// </summary>
    Task Completion { get; }

    /// <summary>
    /// A consistent snapshot for <c>vpn show</c>: called about once a second from a thread of
    /// <c>up</c>'s own, concurrently with the data plane, so it must be cheap and thread-safe.
    /// </summary>
    VpnStatus GetStatus();

    /// <summary>
    /// Stops the data plane: stops reading the TUN queues and the socket, closes the socket and
    /// returns when the engine's threads have ended. Does not close the TUN device (<c>up</c> owns
    /// it). Idempotent; <see cref="IDisposable.Dispose"/> calls it.
    /// </summary>
    void Stop();
}
