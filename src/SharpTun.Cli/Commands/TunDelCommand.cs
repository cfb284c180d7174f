using System.CommandLine;
using SharpTun.Tun;

namespace SharpTun.Cli.Commands;

/// <summary><c>sharptun tun del NAME</c>.</summary>
public static class TunDelCommand
{
    public static Command Create()
    {
        var name = new Argument<string>("NAME") { Description = "The TUN device to remove." };
        var command = new Command("del", "Remove a TUN device (e.g. one made with 'tun add --persist').") { name };
        command.SetAction(parsed =>
        {
            var device = parsed.GetRequiredValue(name);
            LinuxTunDevice.Delete(device);
            Console.Error.WriteLine($"removed {device}");
            return ExitCodes.Success;
        });
        return command;
    }
}
