using SharpTun.Interop;

namespace SharpTun.Host;

/// <summary>Signals to other processes, which .NET's Process class can only SIGKILL.</summary>
public static class ProcessSignals
{
    /// <summary>
    /// Asks process <paramref name="pid"/> to terminate (SIGTERM), as systemd or Ctrl-C's owner
    /// would; false when it is already gone.
    /// </summary>
    public static bool Terminate(int pid) => Libc.Kill(pid, Libc.SIGTERM) == 0;
}
