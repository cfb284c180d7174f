using System.CommandLine;
using System.CommandLine.Help;
using SharpTun.Cli.Commands;
using SharpTun.Cli.Vpn;

namespace SharpTun.Cli;

/// <summary>
/// Parses the command line, runs the chosen command and turns failures into the documented exit
/// codes with a one-line message on stderr: 2 for usage errors, 1 for run-time errors.
/// </summary>
public static class CommandLineApp
{
    public static int Run(string[] args)
    {
        // A plain Command rather than RootCommand: RootCommand takes its name from the entry assembly
        // (SharpTun.Cli), and help must say "sharptun".
        var root = new Command("sharptun", "SharpTun: TUN devices, transparent proxy, WireGuard VPN and packet modifier for Linux.")
        {
            new HelpOption(),
            new VersionOption(),
            TunCommand.Create(),
            ExecCommand.Create(),
            ProxyCommand.Create(),
            RunCommand.Create(),
            CheckCommand.Create(),
            // The WireGuard data plane (IVpnEngineFactory) plugs in here; until then 'vpn up' refuses.
            VpnCommand.Create(engine: new WireGuardEngineFactory()),
            CleanupCommand.Create(),
        };
        var parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            Console.Error.WriteLine($"sharptun: {parsed.Errors[0].Message} (see 'sharptun --help')");
            return ExitCodes.UsageError;
        }
        try
        {
            return parsed.Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
        }
        catch (Exception e) when (IsUserFacing(e))
        {
            Console.Error.WriteLine($"sharptun: {OneLine(MessageOf(e))}");
            return ExitCodes.RuntimeError;
        }
    }

    /// <summary>Setup failures the user must see as a message, not a stack trace.</summary>
    private static bool IsUserFacing(Exception e) =>
        e is IOException or UnauthorizedAccessException or InvalidOperationException or ArgumentException;

    /// <summary>The message without the "(Parameter 'x')" suffix that ArgumentException appends.</summary>
    private static string MessageOf(Exception e) =>
        e is ArgumentException { ParamName: { } parameter } ? e.Message.Replace($" (Parameter '{parameter}')", "", StringComparison.Ordinal) : e.Message;

    private static string OneLine(string message) => message.ReplaceLineEndings(" ").Trim();
}
