using Microsoft.Extensions.Logging;
using SharpTun.Cli.Settings;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace SharpTun.Cli.Config;

/// <summary>
/// Reads the YAML configuration file of <c>sharptun run</c> and <c>sharptun check</c> into the
/// <see cref="ProxySettings"/> the <c>proxy</c> command line would produce, plus named outbounds,
/// rules and rule providers (docs/configuration.md). A file with any problem is refused as a whole
/// with every problem found (up to <see cref="MaximumErrors"/>), each as
/// <c>FILE:LINE: reason</c>, before anything on the host changes.
/// </summary>
/// <remarks>
/// Uses YamlDotNet's representation model (a tree of nodes with line marks) rather than its
/// serializer: nothing is bound by reflection, so the Native AOT build stays warning-free, and every
/// value keeps the line an error must name.
/// </remarks>
public static class ConfigurationFile
{
    /// <summary>Errors listed at most; past this many one more line says how many were left out.</summary>
    public const int MaximumErrors = 50;

    private static readonly (string, LogLevel)[] LogLevels =
    [
        ("trace", LogLevel.Trace), ("debug", LogLevel.Debug), ("info", LogLevel.Information), ("information", LogLevel.Information),
        ("warning", LogLevel.Warning), ("error", LogLevel.Error), ("critical", LogLevel.Critical), ("none", LogLevel.None),
    ];

    /// <summary>Reads and checks <paramref name="path"/>; relative paths in it are taken from its directory.</summary>
    /// <exception cref="ConfigurationException">The file cannot be read or is wrong; the message lists every problem.</exception>
    public static ProxySettings Load(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ConfigurationException([new ConfigurationIssue(path, null, $"cannot read the configuration file: {ConfigurationPaths.Describe(e)}")]);
        }
        return Parse(text, path, Path.GetDirectoryName(Path.GetFullPath(path))!);
    }

    /// <summary>
    /// Checks <paramref name="text"/>; <paramref name="source"/> names the file in messages and
    /// relative paths in it are taken from <paramref name="baseDirectory"/>.
    /// </summary>
    /// <exception cref="ConfigurationException">The text is wrong; the message lists every problem.</exception>
    public static ProxySettings Parse(string text, string source, string baseDirectory)
    {
        ArgumentNullException.ThrowIfNull(text);
        var directory = Path.GetFullPath(baseDirectory);
        var reader = new ConfigurationReader(source);
        var root = ParseYaml(text, reader);
        if (reader.HasErrors)
            throw new ConfigurationException(reader.Errors);

        var top = reader.Section(root, "", ConfigurationKeys.TopLevel);
        var settings = new ProxySettings { LogLevel = reader.Choice(top, "log-level", LogLevels) };
        var tun = reader.Section(top["tun"], "tun", ConfigurationKeys.Tun);
        settings = TunSection.Read(reader, tun, directory, settings);
        settings = RoutingSection.Read(reader, reader.Section(top["routing"], "routing", ConfigurationKeys.Routing), settings);
        var outbounds = OutboundsSection.Read(reader, top, out var outboundNames);
        var providers = RulesSection.ReadProviders(reader, top, directory);
        var rules = RulesSection.ReadRules(reader, top, outboundNames, providers);
        var dns = DnsSection.Read(reader, reader.Section(top["dns"], "dns", ConfigurationKeys.Dns), directory,
            TunSection.Subnets(settings), tun.LineOf("address"), outboundNames);
        var sniff = SniffSection.Read(reader, reader.Section(top["sniff"], "sniff", ConfigurationKeys.Sniff));
        if (reader.HasErrors)
            throw new ConfigurationException(reader.Errors);
        return settings with
        {
            Outbounds = outbounds ?? settings.Outbounds,
            Rules = rules ?? settings.Rules,
            Dns = dns,
            Sniff = sniff,
        };
    }

    /// <summary>The root node of the one document, or null for an empty file; syntax errors go to the reader.</summary>
    private static YamlNode? ParseYaml(string text, ConfigurationReader reader)
    {
        var parser = new Parser(new StringReader(text));
        var stream = new YamlStream();
        try
        {
            stream.Load(parser);
        }
        catch (YamlException e)
        {
            reader.Error(LineOf(e.Start), Describe(e.Message));
            return null;
        }
        catch (InvalidOperationException)
        {
            // YamlDotNet's scanner fails this way, without a mark, when the text ends inside a flow
            // collection; the last event it read is the best place we have.
            reader.Error(parser.Current is { } current ? LineOf(current.End) : 1,
                "YAML syntax error: the file ends inside a [list] or {mapping} opened on or after this line (a ']' or '}' is missing)");
            return null;
        }
        if (stream.Documents.Count > 1)
        {
            reader.Error(ConfigurationReader.LineOf(stream.Documents[1].RootNode),
                "the file holds more than one YAML document (a second '---'); put everything in one");
            return null;
        }
        return stream.Documents.Count == 0 ? null : stream.Documents[0].RootNode;
    }

    private static int LineOf(Mark mark) => (int)Math.Clamp(mark.Line, 1, int.MaxValue);

    /// <summary>YamlDotNet's message in the voice of the others: "Duplicate key a" becomes "key 'a' appears twice ...".</summary>
    private static string Describe(string message)
    {
        const string Duplicate = "Duplicate key ";
        if (message.StartsWith(Duplicate, StringComparison.Ordinal))
            return $"key '{message[Duplicate.Length..]}' appears twice in the same mapping (keep one)";
        message = message.TrimEnd('.');
        return message.Length == 0 ? "YAML syntax error" : "YAML syntax error: " + char.ToLowerInvariant(message[0]) + message[1..];
    }
}
