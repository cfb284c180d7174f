namespace SharpTun.Proxy.Relay;

/// <summary>What an <see cref="EventLoop"/> calls, on its thread, when a deadline set with <see cref="EventLoop.RunAt"/> has passed.</summary>
public interface ITimerHandler
{
    /// <summary>
    /// Called once per <see cref="EventLoop.RunAt"/>, at or after its deadline. A deadline cannot
    /// be taken back: a handler whose wait ended another way checks its own state and does nothing.
    /// Must not block.
    /// </summary>
    void OnTimer();
}
