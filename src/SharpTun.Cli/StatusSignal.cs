using System.Runtime.InteropServices;

namespace SharpTun.Cli;

/// <summary>
/// Prints a one-line status to stderr on SIGUSR1 (<c>kill -USR1 PID</c>), as dnsmasq and OpenVPN do
/// for their statistics: what the running command reports, the live managed heap after a full
/// collection, and the process's resident memory. The collection blocks the process for a few
/// milliseconds, which is why it happens only when asked.
/// </summary>
public sealed class StatusSignal : IDisposable
{
    /// <summary>SIGUSR1 on Linux; .NET accepts raw signal numbers beyond the named ones.</summary>
    private const PosixSignal UserSignal1 = (PosixSignal)10;

    private readonly PosixSignalRegistration _registration;

    public StatusSignal(Func<string> describe)
    {
        _registration = PosixSignalRegistration.Create(UserSignal1, context =>
        {
            context.Cancel = true;
            Console.Error.WriteLine($"sharptun: status: {describe()}; {MemoryLine()}");
        });
    }

    private static string MemoryLine()
    {
        var heap = GC.GetTotalMemory(forceFullCollection: true);
        return $"managed heap {heap / 1024} KiB live, resident {Environment.WorkingSet / (1024 * 1024)} MiB";
    }

    public void Dispose() => _registration.Dispose();
}
