using System.Diagnostics;
using System.Text;
using SharpTun.TestSupport;

namespace SharpTun.EndToEnd;

/// <summary>
/// The built <c>sharptun</c> CLI (copied next to the tests by the project reference), run as a real
/// process, either to completion or in the background inside a test namespace.
/// </summary>
public sealed class SharptunProcess : IDisposable
{
    public static string DllPath { get; } = Path.Combine(AppContext.BaseDirectory, "SharpTun.Cli.dll");

    private readonly Process _process;
    private readonly StringBuilder _stderr = new();
    private readonly StringBuilder _stdout = new();
    private readonly Lock _gate = new();

    private SharptunProcess(Process process)
    {
        _process = process;
        _process.ErrorDataReceived += (_, e) => Append(_stderr, e.Data);
        _process.OutputDataReceived += (_, e) => Append(_stdout, e.Data);
        _process.BeginErrorReadLine();
        _process.BeginOutputReadLine();
    }

    /// <summary>Runs <c>sharptun ARGS</c> to completion in the current (host) namespace.</summary>
    public static RunResult Run(params string[] arguments) =>
        SharpTun.TestSupport.Run.Command("dotnet", [DllPath, .. arguments], TimeSpan.FromSeconds(60));

    /// <summary>Runs <c>sharptun ARGS</c> to completion inside <paramref name="ns"/>.</summary>
    public static RunResult RunIn(TestNamespace ns, params string[] arguments) =>
        ns.Exec("dotnet", [DllPath, .. arguments], TimeSpan.FromSeconds(60));

    /// <summary>
    /// Starts <c>sharptun ARGS</c> in the background inside <paramref name="ns"/>. SIGINT is reset to
    /// its default first: a test run started in the background by a shell inherits SIGINT ignored,
    /// and a program started with SIGINT ignored keeps ignoring it (as sharptun rightly does).
    /// </summary>
    public static SharptunProcess StartIn(TestNamespace ns, params string[] arguments) => StartIn(ns, [], arguments);

    /// <summary>
    /// The same, with <c>ip netns exec</c> started through <paramref name="launcher"/> (e.g.
    /// <c>nsenter -t PID -m --</c>: in the mount namespace of process PID). The launcher must exec
    /// the command rather than fork it, so that signals reach sharptun itself.
    /// </summary>
    public static SharptunProcess StartIn(TestNamespace ns, IReadOnlyList<string> launcher, params string[] arguments) =>
        launcher.Count == 0
            ? new(ns.Start("env", ["--default-signal=INT", "dotnet", DllPath, .. arguments]))
            : new(SharpTun.TestSupport.Run.Start(launcher[0], [.. launcher.Skip(1), "ip", "netns", "exec", ns.Name, "env", "--default-signal=INT", "dotnet", DllPath, .. arguments]));

    public int Id => _process.Id;

    public string StandardError
    {
        get { lock (_gate) return _stderr.ToString(); }
    }

    public string StandardOutput
    {
        get { lock (_gate) return _stdout.ToString(); }
    }

    /// <summary>Waits until stderr contains <paramref name="text"/>; fails with the output so far.</summary>
    public void WaitForStandardError(string text, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        while (!StandardError.Contains(text, StringComparison.Ordinal))
        {
            if (_process.HasExited)
                throw new InvalidOperationException($"sharptun exited with {_process.ExitCode} before printing '{text}':\n{StandardError}");
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"sharptun did not print '{text}' in time:\n{StandardError}");
            Thread.Sleep(20);
        }
    }

    /// <summary>Sends a signal (e.g. SIGINT = 2, SIGTERM = 15, SIGKILL = 9) to the process.</summary>
    public void Signal(int signal) => SharpTun.TestSupport.Run.Checked($"kill -{signal} {_process.Id}");

    /// <summary>Waits for the process to exit and returns its exit code; kills it after the timeout.</summary>
    public int WaitForExit(TimeSpan? timeout = null)
    {
        if (!_process.WaitForExit(timeout ?? TimeSpan.FromSeconds(30)))
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
            throw new TimeoutException($"sharptun did not exit in time:\n{StandardError}");
        }
        // Drain the asynchronous output readers, but not forever: a grandchild that outlives us (the
        // command of a killed 'exec') keeps the pipes open.
        Task.Run(() => _process.WaitForExit()).Wait(TimeSpan.FromSeconds(5));
        return _process.ExitCode;
    }

    private void Append(StringBuilder builder, string? line)
    {
        if (line is null)
            return;
        lock (_gate)
            builder.AppendLine(line);
    }

    /// <summary>Stops the process as a user would (SIGTERM, so it undoes its changes), SIGKILL if it hangs.</summary>
    public void Dispose()
    {
        if (!_process.HasExited)
        {
            SharpTun.TestSupport.Run.Line($"kill -15 {_process.Id}");
            if (!_process.WaitForExit(TimeSpan.FromSeconds(10)))
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit();
            }
        }
        _process.Dispose();
    }
}
