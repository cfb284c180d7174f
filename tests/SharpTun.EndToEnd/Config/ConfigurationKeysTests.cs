using System.CommandLine;
using SharpTun.Cli.Commands;
using SharpTun.Cli.Config;

namespace SharpTun.EndToEnd.Config;

/// <summary>The command line of <c>sharptun proxy</c>, the file's keys and docs/configuration.md stay in step.</summary>
public sealed class ConfigurationKeysTests
{
    /// <summary>Keys no flag has: what only the file can say.</summary>
    private static readonly string[] FileOnly =
    [
        "tun", "routing", "dns", "sniff", "outbounds[].name", "outbounds[].url", "rule-providers", "rule-providers.NAME.behavior",
        "rule-providers.NAME.path", "rules", "dns.fake-ip-range", "dns.fake-ip-range6", "dns.fake-ip-ttl", "dns.fake-ip-exclude",
        "dns.upstream-timeout", "dns.upstream-outbound", "sniff.timeout",
    ];

    [Fact]
    public void EveryProxyFlag_HasAConfigurationKey()
    {
        var flags = ProxyCommand.Create().Options.Where(o => o is not System.CommandLine.Help.HelpOption).Select(o => o.Name).ToList();

        Assert.NotEmpty(flags);
        Assert.Equal(flags.Order(StringComparer.Ordinal), ConfigurationKeys.ByCommandLineFlag.Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void EveryMappedKey_IsAKeyOfTheFile()
    {
        var paths = ConfigurationKeys.AllPaths().ToHashSet(StringComparer.Ordinal);

        Assert.All(ConfigurationKeys.ByCommandLineFlag.Values, key => Assert.Contains(key, paths));
    }

    [Fact]
    public void EveryKeyOfTheFile_HasAFlagOrIsFileOnly()
    {
        var mapped = ConfigurationKeys.ByCommandLineFlag.Values.ToHashSet(StringComparer.Ordinal);

        Assert.All(ConfigurationKeys.AllPaths(), key => Assert.True(mapped.Contains(key) || FileOnly.Contains(key), $"{key} has no flag and is not listed as file-only"));
    }

    [Fact]
    public void Documentation_NamesEveryKeyAndFlag()
    {
        var text = File.ReadAllText(Path.Combine(ConfigurationFiles.RepositoryRoot(), "docs", "configuration.md"));

        Assert.All(ConfigurationKeys.AllPaths(), key => Assert.Contains($"`{key}`", text));
        Assert.All(ConfigurationKeys.ByCommandLineFlag.Keys, flag => Assert.Contains($"`{flag}`", text));
    }

    [Fact]
    public void Example_SetsEveryKey()
    {
        var text = File.ReadAllText(ConfigurationFiles.ExamplePath);

        foreach (var key in ConfigurationKeys.AllPaths())
        {
            var last = key.Split('.')[^1].Replace("[]", "", StringComparison.Ordinal);
            Assert.Matches($@"(?m)^[ -]*{System.Text.RegularExpressions.Regex.Escape(last)}:", text);
        }
    }
}
