using System.Runtime.InteropServices;

namespace SharpTun.TestSupport;

/// <summary>
/// A network namespace created for one test (<c>ip netns add</c>) and deleted on dispose, with
/// everything inside it (TUN devices, addresses, routes, rules) going away with it.
/// Code can run inside it on a dedicated OS thread (<see cref="RunInside{T}"/>): sockets and TUN
/// devices belong to the namespace of the thread that creates them.
/// </summary>
public sealed partial class TestNamespace : IDisposable
{
    private const int CloneNewNet = 0x40000000;

    public string Name { get; }

    private TestNamespace(string name) => Name = name;

    /// <summary>Creates a uniquely named namespace with loopback up.</summary>
    public static TestNamespace Create(string prefix = "stt")
    {
        var name = $"{prefix}-{Environment.ProcessId}-{Guid.NewGuid().ToString("N")[..8]}";
        Run.Checked($"ip netns add {name}");
        var ns = new TestNamespace(name);
        try
        {
            ns.Ip("link set lo up");
        }
        catch
        {
            ns.Dispose();
            throw;
        }
        return ns;
    }

    /// <summary>Runs <c>ip -n NAME ARGS</c> and returns stdout; throws when it fails.</summary>
    public string Ip(string arguments) => Run.Checked($"ip -n {Name} {arguments}");

    /// <summary>
    /// Waits until duplicate address detection has finished for every IPv6 address (link-local
    /// ones appear a moment after a link comes up), so snapshots taken afterwards are stable.
    /// </summary>
    public void WaitForIpv6Settled()
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (Ip("-6 addr").Contains("tentative", StringComparison.Ordinal))
        {
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"IPv6 addresses in {Name} stayed tentative:\n{Ip("-6 addr")}");
            Thread.Sleep(50);
        }
    }

    /// <summary>Runs a program inside the namespace (<c>ip netns exec</c>).</summary>
    public RunResult Exec(string commandLine, TimeSpan? timeout = null) =>
        Run.Line($"ip netns exec {Name} {commandLine}", timeout);

    /// <summary>Runs a program with explicit arguments inside the namespace.</summary>
    public RunResult Exec(string file, IEnumerable<string> arguments, TimeSpan? timeout = null) =>
        Run.Command("ip", ["netns", "exec", Name, file, .. arguments], timeout);

    /// <summary>
    /// Starts a long-running program inside the namespace; the caller disposes it. Whatever is
    /// still running in the namespace when it is disposed is killed then (deleting a namespace does
    /// not end its processes), so a test that fails half-way leaves no listener behind.
    /// </summary>
    public System.Diagnostics.Process Start(string file, IEnumerable<string> arguments) =>
        Run.Start("ip", ["netns", "exec", Name, file, .. arguments]);

    /// <summary>Runs <paramref name="action"/> on a new OS thread that has joined this namespace.</summary>
    public T RunInside<T>(Func<T> action)
    {
        T? result = default;
        Exception? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                using var handle = File.OpenHandle($"/var/run/netns/{Name}");
                if (SetNs((int)handle.DangerousGetHandle(), CloneNewNet) != 0)
                    throw new InvalidOperationException($"setns into {Name} failed: errno {Marshal.GetLastPInvokeError()}");
                result = action();
            }
            catch (Exception e)
            {
                failure = e;
            }
        });
        thread.Start();
        thread.Join();
        if (failure is not null)
            throw new AggregateException($"code inside namespace {Name} failed", failure);
        return result!;
    }

    /// <summary>Runs <paramref name="action"/> on a new OS thread that has joined this namespace.</summary>
    public void RunInside(Action action) => RunInside(() => { action(); return 0; });

    /// <summary>Kills every process still in the namespace (all of them belong to the test), then deletes it.</summary>
    public void Dispose()
    {
        foreach (var line in Run.Line($"ip netns pids {Name}").StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            if (!int.TryParse(line, out var id))
                continue;
            try
            {
                using var process = System.Diagnostics.Process.GetProcessById(id);
                process.Kill(entireProcessTree: true);
                process.WaitForExit(5000);
            }
            catch (Exception e) when (e is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception)
            {
                // It ended meanwhile.
            }
        }
        Run.Line($"ip netns del {Name}");
    }

    // The thread that called setns stays in the namespace; it ends right after the action, so the
    // switch never leaks into the thread pool.
    [LibraryImport("libc", EntryPoint = "setns", SetLastError = true)]
    private static partial int SetNs(int fd, int nstype);
}
