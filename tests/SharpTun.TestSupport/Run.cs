using System.Diagnostics;

namespace SharpTun.TestSupport;

/// <summary>The outcome of a finished process.</summary>
public sealed record RunResult(int ExitCode, string StandardOutput, string StandardError)
{
    public override string ToString() => $"exit {ExitCode}\nstdout:\n{StandardOutput}\nstderr:\n{StandardError}";
}

/// <summary>Runs external programs (ip, ping, tshark, sharptun) with a hard time limit.</summary>
public static class Run
{
    /// <summary>Runs <paramref name="file"/> to completion; kills it (and its children) after <paramref name="timeout"/>.</summary>
    public static RunResult Command(string file, IEnumerable<string> arguments, TimeSpan? timeout = null)
    {
        using var process = Start(file, arguments);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout ?? TimeSpan.FromSeconds(60)))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
            throw new TimeoutException($"'{file} {string.Join(' ', arguments)}' did not finish in time\n{stdout.Result}\n{stderr.Result}");
        }
        return new RunResult(process.ExitCode, stdout.Result, stderr.Result);
    }

    /// <summary>Runs a command line split on spaces (no quoting); convenient for fixed tool invocations.</summary>
    public static RunResult Line(string commandLine, TimeSpan? timeout = null)
    {
        var parts = commandLine.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return Command(parts[0], parts[1..], timeout);
    }

    /// <summary>Like <see cref="Line"/> but throws with the full output when the exit code is not 0.</summary>
    public static string Checked(string commandLine, TimeSpan? timeout = null)
    {
        var result = Line(commandLine, timeout);
        if (result.ExitCode != 0)
            throw new InvalidOperationException($"'{commandLine}' failed: {result}");
        return result.StandardOutput;
    }

    /// <summary>Starts a process with redirected output; the caller owns and must dispose it.</summary>
    public static Process Start(string file, IEnumerable<string> arguments)
    {
        var info = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
            info.ArgumentList.Add(argument);
        return Process.Start(info) ?? throw new InvalidOperationException($"cannot start {file}");
    }
}
