namespace SharpTun.TestSupport;

/// <summary>Measures what a hot path allocates on the calling thread, for the zero-allocation tests.</summary>
public static class Allocations
{
    /// <summary>
    /// Runs <paramref name="action"/> <paramref name="attempts"/> times and returns the fewest bytes
    /// any one run allocated on this thread. A single run can catch a one-time cost that is not the
    /// code's own: the JIT compiles an on-stack-replacement version of a long loop on the thread that
    /// runs it, and that allocates. Code that allocates per packet allocates in every run, so the
    /// minimum stays above zero and the test still fails.
    /// </summary>
    public static long FewestBytes(Action action, int attempts = 3)
    {
        long fewest = long.MaxValue;
        for (int attempt = 0; attempt < attempts; attempt++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            action();
            fewest = Math.Min(fewest, GC.GetAllocatedBytesForCurrentThread() - before);
        }
        return fewest;
    }
}
