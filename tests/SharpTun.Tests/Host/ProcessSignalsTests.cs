using System.Diagnostics;
using SharpTun.Host;

namespace SharpTun.Tests.Host;

public sealed class ProcessSignalsTests
{
    [Fact]
    public void Terminate_RunningProcess_EndsItWithSigterm()
    {
        using var sleep = Process.Start("sleep", "30");
        try
        {
            Assert.True(ProcessSignals.Terminate(sleep.Id));
            Assert.True(sleep.WaitForExit(TimeSpan.FromSeconds(10)));
            Assert.Equal(128 + 15, sleep.ExitCode);
            Assert.False(ProcessSignals.Terminate(sleep.Id)); // reaped: gone
        }
        finally
        {
            if (!sleep.HasExited)
                sleep.Kill();
        }
    }
}
