using System.Globalization;
using YamlDotNet.RepresentationModel;

namespace SharpTun.Cli.Config;

/// <summary>
/// Reads typed values out of the YAML representation model and collects every problem with its
/// line, rather than stopping at the first. A value that is wrong is reported and read as absent,
/// so the rest of the file is still checked; the caller refuses the file if any error was found.
/// A YAML null (<c>key:</c>, <c>~</c>, <c>null</c>) means "the default", as if the key were absent.
/// </summary>
internal sealed class ConfigurationReader(string source)
{
    /// <summary>Errors past this many are summed up in one line: the first ones are what needs fixing.</summary>
    public const int MaximumErrors = ConfigurationFile.MaximumErrors;

    private readonly List<(int Order, ConfigurationIssue Issue)> _errors = [];
    private int _dropped;

    /// <summary>The file as the user named it.</summary>
    public string Source { get; } = source;

    public bool HasErrors => _errors.Count > 0;

    /// <summary>The errors in file order, the last line saying how many more there were.</summary>
    public IReadOnlyList<ConfigurationIssue> Errors
    {
        get
        {
            // In file order (sections are read in a fixed order, not the file's); OrderBy is stable,
            // so errors about one line keep the order they were found in.
            var errors = _errors.OrderBy(e => e.Order).Select(e => e.Issue).ToList();
            if (_dropped > 0)
                errors.Add(new ConfigurationIssue(Source, null, $"{_dropped} more error{(_dropped == 1 ? "" : "s")} not shown (fix the ones above first)"));
            return errors;
        }
    }

    /// <summary>The 1-based line a node starts on.</summary>
    public static int LineOf(YamlNode node) => checked((int)node.Start.Line);

    /// <summary>True for an absent value and for YAML's null: empty, <c>~</c> or <c>null</c>, unquoted.</summary>
    public static bool IsNull(YamlNode? node) =>
        node is null || node is YamlScalarNode { Style: YamlDotNet.Core.ScalarStyle.Plain, Value: null or "" or "~" or "null" or "Null" or "NULL" };

    public void Error(int line, string message) => Add(new ConfigurationIssue(Source, line, message), line);

    public void Error(YamlNode node, string message) => Error(LineOf(node), message);

    /// <summary>Records a problem, listed with the errors of line <paramref name="order"/> of this file.</summary>
    public void Add(ConfigurationIssue issue, int order)
    {
        if (_errors.Count < MaximumErrors)
            _errors.Add((order, issue));
        else
            _dropped++;
    }

    /// <summary>
    /// The mapping at <paramref name="path"/> with its keys checked against <paramref name="known"/>;
    /// an absent or null one is an empty section, anything but a mapping is an error.
    /// </summary>
    public ConfigurationSection Section(YamlNode? node, string path, IReadOnlyList<string> known)
    {
        var entries = new Dictionary<string, KeyValuePair<YamlNode, YamlNode>>(StringComparer.Ordinal);
        if (IsNull(node))
            return new ConfigurationSection(path, null, known, entries);
        if (node is not YamlMappingNode mapping)
        {
            Error(node!, $"{Describe(path)} must be a mapping of keys ({string.Join(", ", known)}), not {KindOf(node!)}");
            return new ConfigurationSection(path, null, known, entries);
        }
        foreach (var entry in mapping.Children)
        {
            if (entry.Key is not YamlScalarNode { Value: { } key })
            {
                Error(entry.Key, $"a key in {Describe(path)} is {KindOf(entry.Key)}; keys are plain names");
                continue;
            }
            if (!known.Contains(key))
            {
                Error(entry.Key, UnknownKey(key, path, known));
                continue;
            }
            entries[key] = entry;
        }
        return new ConfigurationSection(path, mapping, known, entries);
    }

    /// <summary>The items of the list at <paramref name="path"/>; null when absent, or when not a list (an error).</summary>
    public IReadOnlyList<YamlNode>? Sequence(YamlNode? node, string path, string itemsAre)
    {
        if (IsNull(node))
            return null;
        if (node is YamlSequenceNode sequence)
            return [.. sequence.Children];
        Error(node!, $"{path} must be a list of {itemsAre}, not {KindOf(node!)}");
        return null;
    }

    /// <summary>
    /// The texts of a list of plain values; a single value stands for a list of one. Null when
    /// absent; items that are not plain values are reported and left out.
    /// </summary>
    public IReadOnlyList<YamlScalarNode>? Scalars(ConfigurationSection section, string key, string itemsAre, string itemIs)
    {
        var node = section[key];
        if (IsNull(node))
            return null;
        if (node is YamlScalarNode single)
            return [single];
        var items = Sequence(node, section.PathOf(key), itemsAre);
        if (items is null)
            return null;
        var scalars = new List<YamlScalarNode>(items.Count);
        for (var i = 0; i < items.Count; i++)
        {
            if (items[i] is YamlScalarNode scalar && !IsNull(scalar))
                scalars.Add(scalar);
            else
                Error(items[i], $"{section.PathOf(key)}[{i}] must be {itemIs}, not {KindOf(items[i])}");
        }
        return scalars;
    }

    /// <summary>A plain value's text; null when absent or not a plain value (an error).</summary>
    public string? String(ConfigurationSection section, string key, string what = "a text")
    {
        var node = section[key];
        if (IsNull(node))
            return null;
        if (node is YamlScalarNode { Value: { } value })
            return value;
        Error(node!, $"{section.PathOf(key)} must be {what}, not {KindOf(node!)}");
        return null;
    }

    /// <summary>A whole number in [<paramref name="minimum"/>, <paramref name="maximum"/>].</summary>
    public int? Integer(ConfigurationSection section, string key, int minimum, int maximum)
    {
        var text = String(section, key, $"a whole number {minimum}-{maximum}");
        if (text is null)
            return null;
        if (!long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value))
        {
            Error(section[key]!, $"{section.PathOf(key)} must be a whole number {minimum}-{maximum}, not '{text}'");
            return null;
        }
        if (value < minimum || value > maximum)
        {
            Error(section[key]!, $"{section.PathOf(key)} {value} is out of range ({minimum}-{maximum})");
            return null;
        }
        return (int)value;
    }

    /// <summary><c>true</c> or <c>false</c> (any case); YAML 1.1's yes/no/on/off are refused as ambiguous.</summary>
    public bool? Boolean(ConfigurationSection section, string key)
    {
        var text = String(section, key, "true or false");
        if (text is null)
            return null;
        if (text.Equals("true", StringComparison.OrdinalIgnoreCase))
            return true;
        if (text.Equals("false", StringComparison.OrdinalIgnoreCase))
            return false;
        Error(section[key]!, $"{section.PathOf(key)} must be true or false, not '{text}'");
        return null;
    }

    /// <summary>A duration with its unit (<c>300ms</c>, <c>3s</c>, <c>1m</c>, <c>1h</c>) in the range given.</summary>
    public TimeSpan? Duration(ConfigurationSection section, string key, TimeSpan minimum, TimeSpan maximum)
    {
        var range = $"{ConfigurationDuration.Format(minimum)}-{ConfigurationDuration.Format(maximum)}";
        var text = String(section, key, $"a duration ({range})");
        if (text is null)
            return null;
        if (ConfigurationDuration.TryParse(text, out var value) is { } problem)
        {
            Error(section[key]!, $"{section.PathOf(key)} '{text}' {problem}");
            return null;
        }
        if (value < minimum || value > maximum)
        {
            Error(section[key]!, $"{section.PathOf(key)} {text} is out of range ({range})");
            return null;
        }
        return value;
    }

    /// <summary>One of the named values (any case).</summary>
    public T? Choice<T>(ConfigurationSection section, string key, IReadOnlyList<(string Name, T Value)> choices)
        where T : struct
    {
        var names = string.Join("|", choices.Select(c => c.Name));
        var text = String(section, key, $"one of {names}");
        if (text is null)
            return null;
        foreach (var (name, value) in choices)
        {
            if (name.Equals(text, StringComparison.OrdinalIgnoreCase))
                return value;
        }
        Error(section[key]!, $"{section.PathOf(key)} '{text}' is not one of {names}");
        return null;
    }

    /// <summary>What a node is, for "must be a number, not a list".</summary>
    public static string KindOf(YamlNode node) => node switch
    {
        YamlMappingNode => "a mapping",
        YamlSequenceNode => "a list",
        _ when IsNull(node) => "empty",
        YamlScalarNode { Value: var value } => $"'{value}'",
        _ => "something else",
    };

    private static string Describe(string path) => path.Length == 0 ? "the file" : path;

    private static string UnknownKey(string key, string path, IReadOnlyList<string> known)
    {
        var where = path.Length == 0 ? "at the top level" : $"in {path}";
        var prefix = path.Length == 0 ? "" : path + ".";
        if (KeySuggestion.Nearest(key, known) is { } near)
            return $"unknown key '{key}' {where} (did you mean {prefix}{near}?)";
        var normalized = key.ToLowerInvariant().Replace('_', '-');
        if (ConfigurationKeys.SectionsHolding(normalized).FirstOrDefault() is { } section)
            return $"unknown key '{key}' {where} (did you mean {section}.{normalized}? it belongs under '{section}:')";
        if (ConfigurationKeys.ByCommandLineFlag.TryGetValue("--" + normalized.TrimStart('-'), out var equivalent))
            return $"unknown key '{key}' {where} (the flag --{normalized.TrimStart('-')} is {equivalent} in the file)";
        return $"unknown key '{key}' {where} (known keys: {string.Join(", ", known)})";
    }
}
