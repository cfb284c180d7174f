using System.CommandLine;
using SharpTun.Host;
using SharpTun.Tun;

namespace SharpTun.Cli.Commands;

/// <summary>Options shared by the commands that create a TUN device.</summary>
public sealed class DeviceOptions
{
    /// <summary>Linux limits a TUN to 256 queues (MAX_TAP_QUEUES in drivers/net/tun.c).</summary>
    public const int MaximumQueues = 256;

    public Argument<string> Name { get; } = new("NAME")
    {
        Description = "Device name (at most 15 bytes, e.g. st0; a pattern like st%d lets the kernel pick the number).",
        Validators = { ValidateName },
    };

    public Option<InterfaceAddress[]> Addresses { get; } =
        AddressOption.Create("Address with prefix to put on the device, e.g. 10.77.0.1/24 or fd00:77::1/64; repeatable.");

    public Option<int?> Mtu { get; } = new("--mtu")
    {
        Description = "MTU of the device (68-65535; IPv6 needs at least 1280).",
        Validators = { result => ValidateRange(result, 68, 65535) },
    };

    public Option<int> Queues { get; } = new("--queues")
    {
        Description = $"Number of queues (multi-queue TUN when more than 1; at most {MaximumQueues}).",
        DefaultValueFactory = _ => 1,
        Validators = { result => ValidateRange(result, 1, MaximumQueues) },
    };

    /// <summary>The values the user gave, read from a parse result.</summary>
    public DeviceSettings Read(ParseResult parsed) => new(
        parsed.GetRequiredValue(Name),
        parsed.GetValue(Addresses) ?? [],
        parsed.GetValue(Mtu),
        parsed.GetValue(Queues));

    public void AddTo(Command command)
    {
        command.Arguments.Add(Name);
        command.Options.Add(Addresses);
        command.Options.Add(Mtu);
        command.Options.Add(Queues);
    }

    private static void ValidateName(System.CommandLine.Parsing.ArgumentResult result)
    {
        if (result.Tokens.Count == 0)
            return;
        try
        {
            TunName.Validate(result.Tokens[0].Value);
        }
        catch (ArgumentException e)
        {
            result.AddError(e.Message.Replace($" (Parameter '{e.ParamName}')", "", StringComparison.Ordinal));
        }
    }

    private static void ValidateRange(System.CommandLine.Parsing.OptionResult result, int minimum, int maximum)
    {
        if (result.Tokens.Count == 0)
            return;
        var text = result.Tokens[^1].Value;
        if (int.TryParse(text, out var value) && (value < minimum || value > maximum))
            result.AddError($"{result.Option.Name} {value} is out of range ({minimum}-{maximum})");
    }
}
