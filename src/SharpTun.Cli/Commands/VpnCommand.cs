using System.CommandLine;
using SharpTun.Cli.Vpn;

namespace SharpTun.Cli.Commands;

/// <summary><c>sharptun vpn ...</c>: WireGuard-compatible keys, wg-quick files, and the interface's life.</summary>
public static class VpnCommand
{
    /// <summary>The group; <paramref name="engine"/> is the data plane <c>up</c> starts.</summary>
    public static Command Create(IVpnEngineFactory engine) => new("vpn", "WireGuard-compatible VPN: keys, wg-quick configuration files, interfaces up and down.")
    {
        VpnKeyCommands.CreateGenKey(),
        VpnKeyCommands.CreatePubKey(),
        VpnKeyCommands.CreateGenPsk(),
        VpnCheckCommand.Create(),
        VpnUpCommand.Create(engine),
        VpnDownCommand.Create(),
        VpnShowCommand.Create(),
    };

    /// <summary>Hidden option for tests: where the instances' status files live.</summary>
    public static Option<string> CreateRunDirectoryOption() => new("--run-dir")
    {
        Description = "Where running VPN instances publish their status.",
        DefaultValueFactory = _ => VpnInstances.DefaultDirectory,
        Hidden = true,
    };
}
