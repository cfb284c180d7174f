using System.Diagnostics.CodeAnalysis;
using System.Text.RegularExpressions;

namespace SharpTun.Vpn.Config;

/// <summary>
/// Interface names as wg-quick(8) derives them: the configuration file's name without
/// <c>.conf</c>, 1-15 characters of <c>a-z A-Z 0-9 _ = + . -</c>.
/// </summary>
public static partial class VpnInterfaceName
{
    /// <summary>Where wg-quick (and so <c>sharptun vpn up NAME</c>) looks for NAME.conf.</summary>
    public const string ConfigurationDirectory = "/etc/wireguard";

    private const string Rule = "1 to 15 of the characters a-z A-Z 0-9 _ = + . -";

    /// <summary>True when <paramref name="name"/> is a valid interface name under wg-quick's rule.</summary>
    public static bool IsValid(string name) => NamePattern().IsMatch(name);

    /// <summary>The interface name for a configuration file path (<c>/etc/wireguard/stv0.conf</c> -&gt; <c>stv0</c>).</summary>
    public static bool TryFromPath(string path, [NotNullWhen(true)] out string? name, [NotNullWhen(false)] out string? error)
    {
        var file = Path.GetFileName(path);
        name = file.EndsWith(".conf", StringComparison.Ordinal) ? file[..^".conf".Length] : null;
        if (name is not null && IsValid(name))
        {
            error = null;
            return true;
        }
        name = null;
        error = $"'{file}': the file name must be the interface name ({Rule}) followed by .conf, e.g. stv0.conf";
        return false;
    }

    /// <summary>
    /// The configuration file a command-line argument names: an existing file as given, or, for a
    /// bare interface name, <c>/etc/wireguard/NAME.conf</c> (as wg-quick resolves it).
    /// </summary>
    public static string ResolveFile(string argument) =>
        !File.Exists(argument) && IsValid(argument) && !argument.EndsWith(".conf", StringComparison.Ordinal)
            ? Path.Combine(ConfigurationDirectory, argument + ".conf")
            : argument;

    /// <summary>Throws <see cref="ArgumentException"/> naming the rule when <paramref name="name"/> is not valid.</summary>
    public static void Validate(string name)
    {
        if (!IsValid(name))
            throw new ArgumentException($"'{name}' is not a VPN interface name ({Rule})", nameof(name));
    }

    [GeneratedRegex("^[a-zA-Z0-9_=+.-]{1,15}$")]
    private static partial Regex NamePattern();
}
