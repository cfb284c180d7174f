using System.CommandLine;
using SharpTun.Cli.Vpn;
using SharpTun.Vpn.Config;

namespace SharpTun.Cli.Commands;

/// <summary>
/// <c>sharptun vpn show [NAME]</c>: the running interfaces in the shape of <c>wg show</c>, read from
/// the status each <c>vpn up</c> publishes every second in /run/sharptun/vpn/NAME.json.
/// </summary>
public static class VpnShowCommand
{
    public static Command Create()
    {
        var name = new Argument<string?>("NAME") { Description = "One interface; all running ones when left out.", Arity = ArgumentArity.ZeroOrOne };
        var runDirectory = VpnCommand.CreateRunDirectoryOption();
        var command = new Command("show", "Show running VPN interfaces and their peers, as 'wg show' does.") { name, runDirectory };
        command.SetAction(parsed =>
        {
            var instances = new VpnInstances(parsed.GetRequiredValue(runDirectory));
            IReadOnlyList<VpnInstanceState> shown;
            if (parsed.GetValue(name) is { } interfaceName)
            {
                VpnInterfaceName.Validate(interfaceName);
                shown = instances.Read(interfaceName) is { } state
                    ? [state]
                    : throw new InvalidOperationException($"{interfaceName} is not up: no running 'sharptun vpn up' has it");
            }
            else
            {
                shown = instances.List();
            }
            Console.Out.Write(Format(shown, DateTimeOffset.UtcNow));
            return ExitCodes.Success;
        });
        return command;
    }

    /// <summary>Each instance in <c>wg show</c>'s shape, a blank line between them; one still starting or stopping says so.</summary>
    public static string Format(IReadOnlyList<VpnInstanceState> instances, DateTimeOffset now)
    {
        var blocks = new List<string>(instances.Count);
        foreach (var instance in instances)
        {
            blocks.Add(instance.Status is { } status && instance.Phase == VpnInstancePhase.Running
                ? WgShowFormat.Format(instance.Interface, status, now)
                : $"interface: {instance.Interface}\n  ({instance.Phase.ToString().ToLowerInvariant()}, pid {instance.Pid})\n");
        }
        return string.Join('\n', blocks);
    }
}
