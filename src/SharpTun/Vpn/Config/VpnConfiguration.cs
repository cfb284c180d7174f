namespace SharpTun.Vpn.Config;

/// <summary>
/// A parsed wg-quick configuration file: the interface it brings up (named after the file), its
/// <c>[Interface]</c> settings and its peers. Build one with <see cref="VpnConfigurationParser"/>
/// or <see cref="VpnConfigurationFile.Load"/>.
/// </summary>
public sealed record VpnConfiguration
{
    /// <summary>The interface name: the file name without <c>.conf</c> (<c>stv0.conf</c> -&gt; <c>stv0</c>).</summary>
    public required string InterfaceName { get; init; }

    public required VpnInterfaceSettings Interface { get; init; }

    public IReadOnlyList<VpnPeerSettings> Peers { get; init; } = [];

    /// <summary>Things accepted but worth telling the user (SaveConfig ignored, host bits in AllowedIPs...).</summary>
    public IReadOnlyList<VpnConfigurationIssue> Warnings { get; init; } = [];

    /// <summary>
    /// A hook command with every <c>%i</c> replaced by the interface name, as wg-quick does before
    /// handing it to the shell.
    /// </summary>
    public string ExpandHook(string command) => command.Replace("%i", InterfaceName, StringComparison.Ordinal);
}
