using System.Diagnostics;
using SharpTun.Host;
using SharpTun.Interop;
using SharpTun.Tests.Interop;

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

    [Fact]
    public void Terminate_AnotherUsersProcessWithoutCapKill_ThrowsEperm()
    {
        using var sleep = Process.Start("setpriv", "--reuid=65534 --regid=65534 --clear-groups sleep 30");
        try
        {
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
            while (!File.ReadAllText($"/proc/{sleep.Id}/status").Contains("Uid:\t65534", StringComparison.Ordinal) && DateTime.UtcNow < deadline)
                Thread.Sleep(10);
            Exception? error = null;
            var thread = new Thread(() =>
            {
                ThreadCapabilities.DropEffective(ThreadCapabilities.Kill);
                error = Record.Exception(() => ProcessSignals.Terminate(sleep.Id));
            });
            thread.Start();
            thread.Join();

            var interop = Assert.IsType<InteropException>(error);
            Assert.Equal(Errno.EPERM, interop.Errno);
            Assert.Contains("run as root", interop.Message);
            Assert.False(sleep.HasExited);
        }
        finally
        {
            sleep.Kill();
            sleep.WaitForExit();
        }
    }
}
