using YamlDotNet.RepresentationModel;

namespace SharpTun.Cli.Config;

/// <summary>
/// A mapping of the file (<c>tun:</c>, one outbound, ...) with the keys it may hold. Unknown keys were
/// reported when it was made; asking for a key outside the list is a bug in the loader, not the file.
/// </summary>
internal sealed class ConfigurationSection
{
    private readonly Dictionary<string, KeyValuePair<YamlNode, YamlNode>> _entries;
    private readonly IReadOnlyList<string> _known;

    public ConfigurationSection(string path, YamlMappingNode? node, IReadOnlyList<string> known,
        Dictionary<string, KeyValuePair<YamlNode, YamlNode>> entries)
    {
        Path = path;
        Node = node;
        _known = known;
        _entries = entries;
    }

    /// <summary>Where the section is, for messages: <c>tun</c>, <c>outbounds[2]</c>; empty for the top level.</summary>
    public string Path { get; }

    /// <summary>The mapping, or null when the section is absent or null.</summary>
    public YamlMappingNode? Node { get; }

    /// <summary>The value of <paramref name="key"/>, or null when the key is absent.</summary>
    public YamlNode? this[string key]
    {
        get
        {
            if (!_known.Contains(key))
                throw new InvalidOperationException($"the loader asked {(Path.Length == 0 ? "the top level" : Path)} for '{key}', which is not in its key list");
            return _entries.TryGetValue(key, out var entry) ? entry.Value : null;
        }
    }

    /// <summary>The dotted path of <paramref name="key"/>: <c>tun.mtu</c>.</summary>
    public string PathOf(string key) => Path.Length == 0 ? key : $"{Path}.{key}";

    /// <summary>The line of <paramref name="key"/> itself, or of the section when the key is absent.</summary>
    public int LineOf(string key) =>
        _entries.TryGetValue(key, out var entry) ? ConfigurationReader.LineOf(entry.Key) : Node is null ? 1 : ConfigurationReader.LineOf(Node);
}
