using System.CommandLine;

namespace SharpTun.Cli.Commands;

/// <summary><c>sharptun tun ...</c>: create, delete and exercise TUN devices.</summary>
public static class TunCommand
{
    public static Command Create() => new("tun", "Create, delete and test TUN devices.")
    {
        TunAddCommand.Create(),
        TunDelCommand.Create(),
        TunEchoCommand.Create(),
    };
}
