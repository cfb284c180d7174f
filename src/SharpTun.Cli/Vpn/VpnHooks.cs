using System.ComponentModel;
using System.Diagnostics;
using SharpTun.Vpn.Config;

namespace SharpTun.Cli.Vpn;

/// <summary>
/// Runs PreUp/PostUp/PreDown/PostDown commands as wg-quick(8) does: <c>%i</c> replaced by the
/// interface name, echoed to stderr as <c>[#] COMMAND</c>, run one after the other by bash(1)
/// (wg-quick documents bash, and files in the wild use its syntax), with this process's stdin,
/// stdout and stderr.
/// </summary>
public static class VpnHooks
{
    /// <summary>Runs each command; the first that fails throws <see cref="InvalidOperationException"/> and the rest do not run.</summary>
    public static void Run(VpnConfiguration configuration, string phase, IReadOnlyList<string> commands)
    {
        foreach (var command in commands)
        {
            var expanded = configuration.ExpandHook(command);
            Console.Error.WriteLine($"[#] {expanded}");
            var exitCode = RunShell(expanded, phase);
            if (exitCode != 0)
                throw new InvalidOperationException($"{phase} command failed (exit code {exitCode}): {expanded}");
        }
    }

    /// <summary>Runs every command even when some fail, reporting failures on stderr (for the way down, which must go on).</summary>
    public static void RunAll(VpnConfiguration configuration, string phase, IReadOnlyList<string> commands)
    {
        foreach (var command in commands)
        {
            try
            {
                Run(configuration, phase, [command]);
            }
            catch (InvalidOperationException e)
            {
                Console.Error.WriteLine($"sharptun: warning: {e.Message}");
            }
        }
    }

    private static int RunShell(string command, string phase)
    {
        var start = new ProcessStartInfo("bash") { UseShellExecute = false };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(command);
        try
        {
            using var shell = Process.Start(start) ?? throw new InvalidOperationException("cannot run bash");
            shell.WaitForExit();
            return shell.ExitCode;
        }
        catch (Win32Exception e)
        {
            throw new InvalidOperationException($"cannot run the {phase} command with bash: {e.Message}", e);
        }
    }
}
