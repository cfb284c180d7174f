namespace SharpTun.Cli;

/// <summary>
/// How .NET runs socket continuations in the <c>sharptun</c> process. By default the runtime's epoll
/// thread hands every completed socket operation to the thread pool, one more thread wake-up per
/// read on each hop of a proxied connection. With inline completions the continuation (a relay's
/// copy, a UDP reply written to the TUN) runs on the epoll thread itself, and the runtime starts one
/// epoll thread per core. Every continuation SharpTun schedules is short and never blocks, which is
/// what that mode requires. Measured with sockperf TCP ping-pong through <c>sharptun exec</c>
/// (docs/benchmarks.md): about half the added latency and about half the CPU per round trip.
/// </summary>
internal static class SocketThreading
{
    private const string InlineCompletions = "DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS";

    /// <summary>
    /// Turns inline completions on unless the user set the variable. Must run before the first socket
    /// is created: the runtime reads the variable once, when its socket engine starts.
    /// </summary>
    public static void UseInlineCompletions()
    {
        if (Environment.GetEnvironmentVariable(InlineCompletions) is null)
            Environment.SetEnvironmentVariable(InlineCompletions, "1");
    }
}
