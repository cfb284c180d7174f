namespace SharpTun.Proxy.Relay;

/// <summary>What an <see cref="EventLoop"/> calls, on its thread, when a registered descriptor is ready.</summary>
public interface IReadinessHandler
{
    /// <summary>
    /// <paramref name="events"/> are the epoll events that are ready (EPOLLIN, EPOLLOUT, EPOLLERR,
    /// EPOLLHUP), or 0 for a call asked for with <see cref="EventLoop.RunSoon"/>. Must not block.
    /// </summary>
    void OnReady(uint events);
}
