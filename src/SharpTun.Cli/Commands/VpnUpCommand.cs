using System.CommandLine;
using Microsoft.Extensions.Logging;
using SharpTun.Cli.Vpn;

namespace SharpTun.Cli.Commands;

/// <summary>
/// <c>sharptun vpn up FILE</c>: brings the interface named after FILE up as wg-quick would and stays
/// in the foreground until SIGINT/SIGTERM or <c>sharptun vpn down NAME</c>, then undoes everything
/// (see <see cref="VpnSession"/>).
/// </summary>
public static class VpnUpCommand
{
    public static Command Create(IVpnEngineFactory engine)
    {
        var file = VpnConfigurationArgument.Create();
        var logLevel = new Option<LogLevel?>("--log-level") { Description = "Trace, Debug, Information (default), Warning, Error." };
        var journalDirectory = new Option<string?>("--journal-dir") { Description = "Where the host-change journal goes.", Hidden = true };
        var runDirectory = VpnCommand.CreateRunDirectoryOption();
        var command = new Command("up", "Bring up the VPN interface of a wg-quick file (routes, firewall, hooks) until Ctrl-C or 'vpn down'; everything is undone on exit.")
        {
            file, logLevel, journalDirectory, runDirectory,
        };
        command.SetAction(parsed =>
        {
            var path = parsed.GetRequiredValue(file);
            var configuration = VpnConfigurationArgument.Load(path, "up");
            if (configuration is null)
                return ExitCodes.RuntimeError;
            using var shutdown = new ShutdownSignal();
            using var logging = Logging.CreateFactory(parsed.GetValue(logLevel) ?? LogLevel.Information);
            StartupCleanup.Run();
            var options = new VpnSessionOptions
            {
                Configuration = configuration,
                ConfigurationFile = SharpTun.Vpn.Config.VpnInterfaceName.ResolveFile(path),
                JournalDirectory = parsed.GetValue(journalDirectory),
                Instances = new VpnInstances(parsed.GetRequiredValue(runDirectory)),
            };
            return VpnSession.Run(options, engine, shutdown.Token, logging);
        });
        return command;
    }
}
