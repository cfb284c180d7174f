using System.CommandLine;
using System.Globalization;
using Microsoft.Extensions.Logging;
using SharpTun.Cli.Vpn;
using SharpTun.Host.Resolver;
using SharpTun.Vpn.Config;
using SharpTun.Vpn.Plan;

namespace SharpTun.Cli.Commands;

/// <summary>
/// <c>sharptun vpn check FILE</c>: parses a wg-quick file and prints the interface, its peers and
/// every change <c>vpn up</c> would make to the host, as the equivalent commands. Changes nothing;
/// reads the routing table (for the MTU) and resolves endpoint host names, so it needs no root.
/// </summary>
public static class VpnCheckCommand
{
    public static Command Create()
    {
        var file = VpnConfigurationArgument.Create();
        var command = new Command("check", "Check a wg-quick file and print what 'vpn up' would do; changes nothing.") { file };
        command.SetAction(parsed =>
        {
            var configuration = VpnConfigurationArgument.Load(parsed.GetRequiredValue(file), "check");
            if (configuration is null)
                return ExitCodes.RuntimeError;
            using var logging = Logging.CreateFactory(LogLevel.Warning);
            var plan = VpnHostPlanner.Create(configuration, VpnSession.MeasureUnderlay(configuration, logging.CreateLogger("vpn")), ResolverSetupProbe.Read());
            Console.Out.Write(Format(configuration, plan));
            return ExitCodes.Success;
        });
        return command;
    }

    /// <summary>The configuration in <c>wg show</c>'s shape, then the host changes as commands.</summary>
    public static string Format(VpnConfiguration configuration, VpnHostPlan plan)
    {
        var settings = configuration.Interface;
        var lines = new List<string>
        {
            $"interface: {configuration.InterfaceName}",
            $"  public key: {settings.PrivateKey.DerivePublic()}",
            "  private key: (hidden)",
        };
        if (settings.ListenPort is > 0)
            lines.Add($"  listening port: {settings.ListenPort}");
        lines.Add($"  transport: {settings.Transport.ToString().ToLowerInvariant()}");
        if (plan.FirewallMark is { } mark)
            lines.Add($"  fwmark: 0x{mark.ToString("x", CultureInfo.InvariantCulture)}");
        AddHooks(lines, "PreUp", settings.PreUp, configuration);
        AddHooks(lines, "PostUp", settings.PostUp, configuration);
        AddHooks(lines, "PreDown", settings.PreDown, configuration);
        AddHooks(lines, "PostDown", settings.PostDown, configuration);
        foreach (var peer in configuration.Peers)
        {
            lines.Add("");
            lines.Add($"peer: {peer.PublicKey}");
            if (peer.PresharedKey is not null)
                lines.Add("  preshared key: (hidden)");
            if (peer.Endpoint is not null)
                lines.Add($"  endpoint: {peer.Endpoint}");
            lines.Add($"  allowed ips: {(peer.AllowedIps.Count == 0 ? "(none)" : string.Join(", ", peer.AllowedIps))}");
            if (peer.PersistentKeepalive is { } keepalive)
                lines.Add($"  persistent keepalive: every {WgShowFormat.Duration(keepalive)}");
        }
        lines.Add("");
        lines.Add($"# 'sharptun vpn up' creates the TUN device {configuration.InterfaceName}, then (all undone when it stops):");
        lines.AddRange(plan.Describe());
        return string.Join('\n', lines) + "\n";
    }

    private static void AddHooks(List<string> lines, string phase, IReadOnlyList<string> commands, VpnConfiguration configuration)
    {
        foreach (var command in commands)
            lines.Add($"  {phase.ToLowerInvariant()}: {configuration.ExpandHook(command)}");
    }
}
