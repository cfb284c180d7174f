using System.CommandLine;
using SharpTun.Host.Journal;

namespace SharpTun.Cli.Commands;

/// <summary>
/// <c>sharptun cleanup</c>: undoes the host changes journaled by SharpTun processes that are gone
/// (killed with SIGKILL, crashed, machine-level OOM), in the network namespace they were made in.
/// </summary>
public static class CleanupCommand
{
    public static Command Create()
    {
        var directory = new Option<string>("--journal-dir")
        {
            Description = "Where journals live.",
            DefaultValueFactory = _ => HostJournal.DefaultDirectory,
            Hidden = true,
        };
        var command = new Command("cleanup", "Undo host changes (devices, addresses, routes, rules) left by SharpTun processes that died.") { directory };
        command.SetAction(parsed =>
        {
            var results = OrphanCleanup.Run(parsed.GetValue(directory));
            foreach (var result in results)
                Console.Error.WriteLine(result.ToString());
            Console.Error.WriteLine(results.Count == 0 ? "nothing to clean up" : $"cleaned up after {results.Count} SharpTun process{(results.Count == 1 ? "" : "es")}");
            return results.Any(r => !r.Report.Succeeded) ? ExitCodes.RuntimeError : ExitCodes.Success;
        });
        return command;
    }
}
