using System.Runtime.InteropServices;

namespace SharpTun.Cli;

/// <summary>
/// Turns SIGINT (Ctrl-C) and SIGTERM (systemd, kill) into a cancellation, so that commands that run
/// until stopped can undo their host changes before the process exits.
/// </summary>
public sealed class ShutdownSignal : IDisposable
{
    private readonly CancellationTokenSource _stopping = new();
    private readonly PosixSignalRegistration _interrupt;
    private readonly PosixSignalRegistration _terminate;

    public ShutdownSignal()
    {
        _interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
        _terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
    }

    /// <summary>Cancelled when the first SIGINT or SIGTERM arrives.</summary>
    public CancellationToken Token => _stopping.Token;

    /// <summary>Blocks the calling thread until a stop signal arrives.</summary>
    public void Wait() => _stopping.Token.WaitHandle.WaitOne();

    /// <summary>Stops as a signal would, e.g. when a worker hits an error it cannot recover from.</summary>
    public void RequestStop() => _stopping.Cancel();

    private void OnSignal(PosixSignalContext context)
    {
        // Keep the process alive: the command returns normally after cleaning up.
        context.Cancel = true;
        _stopping.Cancel();
    }

    public void Dispose()
    {
        _interrupt.Dispose();
        _terminate.Dispose();
        _stopping.Dispose();
    }
}
