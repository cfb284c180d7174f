using System.CommandLine;
using SharpTun.Vpn.Config;

namespace SharpTun.Cli.Commands;

/// <summary>The FILE argument of <c>vpn check</c> and <c>vpn up</c>, and how a refused file is reported.</summary>
public static class VpnConfigurationArgument
{
    public static Argument<string> Create() => new("FILE")
    {
        Description = "A wg-quick configuration file named after its interface (stv0.conf brings up stv0), or a bare NAME for /etc/wireguard/NAME.conf.",
    };

    /// <summary>Loads the file; on a refused file prints every error (one per line) and returns null.</summary>
    public static VpnConfiguration? Load(string argument, string command)
    {
        var path = VpnInterfaceName.ResolveFile(argument);
        try
        {
            var configuration = VpnConfigurationFile.Load(path);
            foreach (var warning in configuration.Warnings)
                Console.Error.WriteLine($"sharptun: warning: {warning}");
            return configuration;
        }
        catch (VpnConfigurationException e)
        {
            foreach (var error in e.Errors)
                Console.Error.WriteLine($"sharptun: {error}");
            Console.Error.WriteLine($"sharptun: vpn {command}: {path} refused ({e.Errors.Count} error{(e.Errors.Count == 1 ? "" : "s")})");
            return null;
        }
    }
}
