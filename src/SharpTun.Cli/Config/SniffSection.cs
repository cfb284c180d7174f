using SharpTun.Cli.Settings;

namespace SharpTun.Cli.Config;

/// <summary><c>sniff:</c>, reading a flow's first bytes for its domain (<c>--sniff</c>, and how long to wait for them).</summary>
internal static class SniffSection
{
    public static SniffSettings Read(ConfigurationReader reader, ConfigurationSection sniff)
    {
        var defaults = new SniffSettings();
        return new SniffSettings
        {
            Enabled = reader.Boolean(sniff, "enabled") ?? defaults.Enabled,
            Timeout = reader.Duration(sniff, "timeout", TimeSpan.FromMilliseconds(1), TimeSpan.FromSeconds(10)) ?? defaults.Timeout,
        };
    }
}
