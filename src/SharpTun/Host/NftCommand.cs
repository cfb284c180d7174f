using System.ComponentModel;
using System.Diagnostics;
using SharpTun.Interop;

namespace SharpTun.Host;

/// <summary>
/// Runs nft(8), the interface users expect for nftables rulesets: what SharpTun adds is what
/// <c>nft list ruleset</c> shows, written in the same language. It acts in the network namespace
/// of the calling thread (the child process inherits it).
/// </summary>
internal static class NftCommand
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    /// <summary>Creates <paramref name="table"/> in one transaction (<c>nft -f -</c>); refuses if a table of that name exists.</summary>
    public static void AddTable(NftablesTable table)
    {
        if (TableExists(table.Family, table.Name))
            throw new InvalidOperationException($"an nftables table '{table.Family} {table.Name}' already exists; if no SharpTun uses it, remove it with 'nft delete table {table.Family} {table.Name}'");
        Run(["-f", "-"], table.Ruleset, $"nft -f (table {table.Family} {table.Name})");
    }

    /// <summary>Deletes the table; throws ENOENT (counted as already gone by undo) when it does not exist.</summary>
    public static void DeleteTable(string family, string name)
    {
        if (!TableExists(family, name))
            throw new InteropException($"nft delete table {family} {name}", Errno.ENOENT, hint: "the table is gone already");
        Run(["delete", "table", family, name], null, $"nft delete table {family} {name}");
    }

    public static bool TableExists(string family, string name)
    {
        var (exitCode, output, _) = Execute(["list", "tables", family]);
        if (exitCode != 0)
            return false;
        foreach (var line in output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (line == $"table {family} {name}")
                return true;
        }
        return false;
    }

    private static string Run(string[] arguments, string? input, string operation)
    {
        var (exitCode, output, error) = Execute(arguments, input);
        if (exitCode != 0)
            throw new InvalidOperationException($"{operation} failed: {error.Trim().ReplaceLineEndings(" ")}");
        return output;
    }

    private static (int ExitCode, string Output, string Error) Execute(string[] arguments, string? input = null)
    {
        var start = new ProcessStartInfo("nft")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        Process nft;
        try
        {
            nft = Process.Start(start) ?? throw new InvalidOperationException("cannot run nft(8)");
        }
        catch (Win32Exception e)
        {
            throw new InvalidOperationException($"cannot run nft(8): {e.Message} (install nftables: apt-get install nftables)", e);
        }
        using (nft)
        {
            var output = nft.StandardOutput.ReadToEndAsync();
            var error = nft.StandardError.ReadToEndAsync();
            if (input is not null)
                nft.StandardInput.Write(input);
            nft.StandardInput.Close();
            if (!nft.WaitForExit(Timeout))
            {
                nft.Kill();
                throw new TimeoutException($"nft {string.Join(' ', arguments)} did not finish within {Timeout.TotalSeconds} s");
            }
            return (nft.ExitCode, output.Result, error.Result);
        }
    }
}
