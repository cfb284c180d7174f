using System.CommandLine;
using SharpTun.Cli.Vpn;
using SharpTun.Host;
using SharpTun.Vpn.Config;

namespace SharpTun.Cli.Commands;

/// <summary>
/// <c>sharptun vpn down NAME</c>: stops the <c>vpn up</c> that runs NAME. It finds its pid in
/// /run/sharptun/vpn/NAME.json, sends SIGTERM (so that instance runs PreDown, undoes its host
/// changes and runs PostDown, as on Ctrl-C), and waits for it to exit.
/// </summary>
public static class VpnDownCommand
{
    public static Command Create()
    {
        var name = new Argument<string>("NAME") { Description = "The interface (stv0), or its configuration file (stv0.conf)." };
        var timeout = new Option<int>("--timeout")
        {
            Description = "Seconds to wait for the instance to finish undoing its changes.",
            DefaultValueFactory = _ => 30,
        };
        var runDirectory = VpnCommand.CreateRunDirectoryOption();
        var command = new Command("down", "Stop a running 'vpn up' (it undoes its routes, firewall and device, and runs its down hooks).") { name, timeout, runDirectory };
        command.SetAction(parsed =>
        {
            var interfaceName = InterfaceOf(parsed.GetRequiredValue(name));
            var instances = new VpnInstances(parsed.GetRequiredValue(runDirectory));
            return Execute(instances, interfaceName, TimeSpan.FromSeconds(parsed.GetValue(timeout)));
        });
        return command;
    }

    public static int Execute(VpnInstances instances, string interfaceName, TimeSpan timeout)
    {
        if (instances.Read(interfaceName) is not { } state)
            throw new InvalidOperationException($"{interfaceName} is not up: no running 'sharptun vpn up' has it (see 'sharptun vpn show')");
        if (!ProcessSignals.Terminate(state.Pid))
        {
            Console.Error.WriteLine($"{interfaceName} is down (it was already stopping)");
            return ExitCodes.Success;
        }
        var deadline = DateTime.UtcNow + timeout;
        while (VpnInstances.IsAlive(state))
        {
            if (DateTime.UtcNow > deadline)
                throw new InvalidOperationException($"{interfaceName} (pid {state.Pid}) did not stop within {timeout.TotalSeconds} s; it may still be undoing its changes");
            Thread.Sleep(50);
        }
        Console.Error.WriteLine($"{interfaceName} is down");
        return ExitCodes.Success;
    }

    /// <summary>NAME as given, or the interface a configuration file path names.</summary>
    private static string InterfaceOf(string argument)
    {
        if (argument.EndsWith(".conf", StringComparison.Ordinal))
        {
            if (VpnInterfaceName.TryFromPath(argument, out var fromFile, out var error))
                return fromFile;
            throw new ArgumentException(error);
        }
        VpnInterfaceName.Validate(argument);
        return argument;
    }
}
