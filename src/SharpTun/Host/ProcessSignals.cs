using System.Runtime.InteropServices;
using SharpTun.Interop;

namespace SharpTun.Host;

/// <summary>Signals to other processes, which .NET's Process class can only SIGKILL.</summary>
public static class ProcessSignals
{
    /// <summary>
    /// Asks process <paramref name="pid"/> to terminate (SIGTERM), as systemd or Ctrl-C's owner
    /// would; false when it is already gone. Not being allowed to signal it (EPERM: another user's
    /// process) throws <see cref="InteropException"/>.
    /// </summary>
    public static bool Terminate(int pid)
    {
        if (Libc.Kill(pid, Libc.SIGTERM) == 0)
            return true;
        var errno = Marshal.GetLastPInvokeError();
        if (errno == Errno.ESRCH)
            return false;
        throw new InteropException($"kill {pid} SIGTERM", errno, hint: errno == Errno.EPERM ? "the process belongs to another user; run as root" : null);
    }
}
