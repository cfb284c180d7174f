using System.CommandLine;
using SharpTun.Vpn;

namespace SharpTun.Cli.Commands;

/// <summary>
/// <c>sharptun vpn genkey | pubkey | genpsk</c>: the same text as <c>wg genkey</c>, <c>wg pubkey</c>
/// and <c>wg genpsk</c> (base64, one key per line), so either tool reads the other's keys.
/// </summary>
public static class VpnKeyCommands
{
    public static Command CreateGenKey()
    {
        var command = new Command("genkey", "Print a new private key (as 'wg genkey'); e.g. sharptun vpn genkey | tee private | sharptun vpn pubkey.");
        command.SetAction(_ =>
        {
            Console.Out.Write(WireGuardKey.GeneratePrivate() + "\n");
            return ExitCodes.Success;
        });
        return command;
    }

    public static Command CreatePubKey()
    {
        var command = new Command("pubkey", "Read a private key on stdin and print its public key (as 'wg pubkey').");
        command.SetAction(_ =>
        {
            // wg reads the 44 characters of one key and allows nothing but white space after it.
            var input = Console.In.ReadToEnd().Trim();
            if (!WireGuardKey.TryParse(input, out var key))
            {
                Console.Error.WriteLine($"sharptun: vpn pubkey: stdin is not a private key: expected {WireGuardKey.TextLength} characters of base64, as 'sharptun vpn genkey' prints");
                return ExitCodes.RuntimeError;
            }
            Console.Out.Write(key.DerivePublic() + "\n");
            return ExitCodes.Success;
        });
        return command;
    }

    public static Command CreateGenPsk()
    {
        var command = new Command("genpsk", "Print a new preshared key (as 'wg genpsk').");
        command.SetAction(_ =>
        {
            Console.Out.Write(WireGuardKey.GeneratePreshared() + "\n");
            return ExitCodes.Success;
        });
        return command;
    }
}
