namespace SharpTun.Vpn.Config;

/// <summary>
/// Something wrong (or worth a warning) in a configuration file, with where it is:
/// <c>stv0.conf:12: unknown key 'Adress' in [Interface]</c>.
/// </summary>
/// <param name="Source">The file name as the user gave it.</param>
/// <param name="Line">The 1-based line, or null for the file as a whole (a missing section).</param>
/// <param name="Message">What is wrong and, where it helps, what to write instead.</param>
public sealed record VpnConfigurationIssue(string Source, int? Line, string Message)
{
    public override string ToString() => Line is { } line ? $"{Source}:{line}: {Message}" : $"{Source}: {Message}";
}
