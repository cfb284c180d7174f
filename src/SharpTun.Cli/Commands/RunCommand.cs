using System.CommandLine;

namespace SharpTun.Cli.Commands;

/// <summary>
/// <c>sharptun run --config FILE</c>: the proxy of <c>sharptun proxy</c>, with everything (named
/// outbounds, rules, DNS) from one configuration file. The whole file is checked first; a bad one
/// is refused (exit 2) before anything on the host changes.
/// </summary>
public static class RunCommand
{
    public static Command Create()
    {
        var file = ConfigurationOption.Create();
        var command = new Command("run", "Run the proxy a configuration file describes, until Ctrl-C.") { file };
        command.SetAction(parsed =>
        {
            var settings = ConfigurationOption.Load(parsed.GetRequiredValue(file), "run");
            return settings is null ? ExitCodes.UsageError : ProxyCommand.Run(settings);
        });
        return command;
    }
}
