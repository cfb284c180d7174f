using SharpTun.Host.Journal;

namespace SharpTun.Cli;

/// <summary>
/// Every command that changes the host first undoes what dead SharpTun processes left behind, so
/// a crash (or kill -9) is repaired by the next start without the user running 'sharptun cleanup'.
/// </summary>
public static class StartupCleanup
{
    public static void Run()
    {
        try
        {
            foreach (var result in OrphanCleanup.Run())
                Console.Error.WriteLine($"sharptun: cleaned up after a previous run: {result}");
        }
        catch (UnauthorizedAccessException)
        {
            // Unprivileged: the command itself will fail with the reason; one message is enough.
        }
        catch (IOException e)
        {
            // Not being able to repair an old run must not stop this one; 'sharptun cleanup' reports it.
            Console.Error.WriteLine($"sharptun: warning: could not check for changes left by earlier runs: {e.Message}");
        }
    }
}
