using System.CommandLine;
using SharpTun.Cli.Config;
using SharpTun.Cli.Settings;

namespace SharpTun.Cli.Commands;

/// <summary>The <c>--config FILE</c> option of <c>run</c> and <c>check</c>, and how a refused file is reported.</summary>
public static class ConfigurationOption
{
    public static Option<string> Create() => new("--config", "-c")
    {
        Description = "The YAML configuration file (see docs/configuration.md and examples/sharptun.yaml).",
        HelpName = "FILE",
        Required = true,
    };

    /// <summary>Loads the file; on a refused file prints every error (one per line) to stderr and returns null.</summary>
    public static ProxySettings? Load(string path, string command)
    {
        try
        {
            return ConfigurationFile.Load(path);
        }
        catch (ConfigurationException e)
        {
            foreach (var error in e.Errors)
                Console.Error.WriteLine($"sharptun: {error}");
            Console.Error.WriteLine($"sharptun: {command}: {path} refused ({e.Errors.Count} error{(e.Errors.Count == 1 ? "" : "s")}; see docs/configuration.md)");
            return null;
        }
    }
}
