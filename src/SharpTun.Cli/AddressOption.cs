using System.CommandLine;
using SharpTun.Host;

namespace SharpTun.Cli;

/// <summary>A repeatable <c>--address CIDR</c> option (e.g. 10.77.0.1/24) checked at parse time.</summary>
public static class AddressOption
{
    public static Option<InterfaceAddress[]> Create(string description) => new("--address")
    {
        Description = description,
        Arity = ArgumentArity.ZeroOrMore,
        CustomParser = result =>
        {
            var addresses = new InterfaceAddress[result.Tokens.Count];
            for (var i = 0; i < addresses.Length; i++)
            {
                var text = result.Tokens[i].Value;
                try
                {
                    addresses[i] = InterfaceAddress.Parse(text);
                }
                catch (Exception e) when (e is FormatException or ArgumentException)
                {
                    result.AddError($"--address '{text}' is not ADDRESS/PREFIX with a valid prefix length (e.g. 10.77.0.1/24 or fd00:77::1/64)");
                    return [];
                }
            }
            return addresses;
        },
    };
}
