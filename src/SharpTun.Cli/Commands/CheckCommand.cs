using System.CommandLine;
using SharpTun.Cli.Config;

namespace SharpTun.Cli.Commands;

/// <summary>
/// <c>sharptun check --config FILE</c>: reads and checks a configuration file, rule-provider files
/// included, and prints what <c>run</c> would set up (device, addresses, outbounds, rules, DNS).
/// Exits 0 for a good file and 2, with every error as <c>FILE:LINE: reason</c>, for a bad one.
/// Changes nothing and needs no root.
/// </summary>
public static class CheckCommand
{
    public static Command Create()
    {
        var file = ConfigurationOption.Create();
        var command = new Command("check", "Check a configuration file and print what 'run' would set up; changes nothing.") { file };
        command.SetAction(parsed =>
        {
            var path = parsed.GetRequiredValue(file);
            var settings = ConfigurationOption.Load(path, "check");
            if (settings is null)
                return ExitCodes.UsageError;
            Console.Out.Write(ConfigurationSummary.Format(path, settings));
            return ExitCodes.Success;
        });
        return command;
    }
}
