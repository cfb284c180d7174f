using SharpTun.Cli.Settings;
using SharpTun.Proxy;

namespace SharpTun.Cli.Config;

/// <summary>
/// <c>outbounds:</c>, a list of <c>{name, url}</c>: where flows can go, by the name rules use. The URL
/// is what <c>--proxy</c> takes (<see cref="ProxyUri"/>).
/// </summary>
internal static class OutboundsSection
{
    /// <summary>
    /// The outbounds, and in <paramref name="names"/> every name given (also those whose URL is
    /// wrong, so that rules naming them are not reported a second time).
    /// </summary>
    public static IReadOnlyList<NamedOutbound>? Read(ConfigurationReader reader, ConfigurationSection top, out ISet<string> names)
    {
        names = new HashSet<string>(StringComparer.Ordinal);
        var items = reader.Sequence(top["outbounds"], "outbounds", "outbounds ({name, url})");
        if (items is null)
            return null;
        var outbounds = new List<NamedOutbound>(items.Count);
        var lines = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < items.Count; i++)
        {
            var path = $"outbounds[{i}]";
            var item = reader.Section(items[i], path, ConfigurationKeys.Outbound);
            if (item.Node is null)
            {
                if (ConfigurationReader.IsNull(items[i]))
                    reader.Error(items[i], $"{path} is empty: write {{name: NAME, url: socks5://HOST:PORT}}");
                continue;
            }
            var name = Name(reader, item, lines);
            var url = reader.String(item, "url", "a proxy URL");
            if (url is null && item["url"] is null)
                reader.Error(item.Node, $"{path} has no url (direct://, socks5://[user:pass@]host:port, http://[user:pass@]host:port or reject://)");
            if (name is not null)
                names.Add(name);
            if (url is null)
                continue;
            if (!ProxyUri.TryParse(url, out var configuration, out var error))
            {
                reader.Error(item["url"]!, $"{path}.url: {error}");
                continue;
            }
            if (name is not null)
                outbounds.Add(new NamedOutbound(name, configuration));
        }
        return outbounds;
    }

    /// <summary>A name rules can use: unique, not DIRECT or REJECT, no ',' (rule fields are split on commas).</summary>
    private static string? Name(ConfigurationReader reader, ConfigurationSection item, Dictionary<string, int> lines)
    {
        var path = item.PathOf("name");
        var name = reader.String(item, "name", "a name");
        if (name is null)
        {
            if (item["name"] is null)
                reader.Error(item.Node!, $"{item.Path} has no name (rules send flows to an outbound by its name)");
            return null;
        }
        var node = item["name"]!;
        if (name.Trim().Length == 0 || name.Contains(',') || name.Trim() != name)
        {
            reader.Error(node, $"{path} '{name}' cannot name an outbound: rules split on ',' and trim spaces (use letters, digits, '-', '_', '.')");
            return null;
        }
        if (name.Equals(NamedOutbound.Direct, StringComparison.OrdinalIgnoreCase) || name.Equals(NamedOutbound.Reject, StringComparison.OrdinalIgnoreCase))
        {
            reader.Error(node, $"{path} '{name}' is reserved: {NamedOutbound.Direct} and {NamedOutbound.Reject} exist without being listed");
            return null;
        }
        if (lines.TryGetValue(name, out var firstLine))
        {
            reader.Error(node, $"{path} '{name}' is already the name of the outbound on line {firstLine}");
            return null;
        }
        lines[name] = ConfigurationReader.LineOf(node);
        return name;
    }
}
