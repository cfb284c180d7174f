using System.ComponentModel;
using System.Diagnostics;

namespace SharpTun.Host.Resolver;

/// <summary>
/// Runs resolvconf(8) and resolvectl(1), the interfaces users expect to the resolver managers
/// (what wg-quick runs, so what they already know). resolvectl names the interface, which it looks
/// up in the network namespace of the calling thread.
/// </summary>
internal static class ResolverCommand
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    /// <summary>Runs <paramref name="program"/> with <paramref name="input"/> on stdin; throws with its own message when it fails.</summary>
    public static void Run(string program, IReadOnlyList<string> arguments, string? input = null)
    {
        var commandLine = $"{Path.GetFileName(program)} {string.Join(' ', arguments)}";
        var start = new ProcessStartInfo(program)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException($"cannot run {program}");
        }
        catch (Win32Exception e)
        {
            throw new InvalidOperationException($"cannot run {program}: {e.Message}", e);
        }
        using (process)
        {
            var output = process.StandardOutput.ReadToEndAsync();
            var error = process.StandardError.ReadToEndAsync();
            if (input is not null)
                process.StandardInput.Write(input);
            process.StandardInput.Close();
            if (!process.WaitForExit(Timeout))
            {
                process.Kill();
                throw new TimeoutException($"'{commandLine}' did not finish within {Timeout.TotalSeconds} s");
            }
            if (process.ExitCode != 0)
            {
                var message = (error.Result + output.Result).Trim().ReplaceLineEndings(" ");
                throw new InvalidOperationException($"'{commandLine}' failed (exit code {process.ExitCode}): {(message.Length > 0 ? message : "no message")}");
            }
        }
    }
}
