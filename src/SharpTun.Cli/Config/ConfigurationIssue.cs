namespace SharpTun.Cli.Config;

/// <summary>
/// One problem in a configuration file, with where it is:
/// <c>sharptun.yaml:12: tun.mtu 70000 is out of range (1280-65535)</c>.
/// </summary>
/// <param name="Source">The file as the user named it (or, for a rule-provider file, as the configuration names it).</param>
/// <param name="Line">The 1-based line, or null for the file as a whole (it cannot be read).</param>
/// <param name="Message">What is wrong and, where it helps, what to write instead.</param>
public sealed record ConfigurationIssue(string Source, int? Line, string Message)
{
    public override string ToString() => Line is { } line ? $"{Source}:{line}: {Message}" : $"{Source}: {Message}";
}
