namespace SharpTun.Cli.Config;

/// <summary>A configuration file was refused; <see cref="Errors"/> lists the problems found, in file order.</summary>
public sealed class ConfigurationException : FormatException
{
    public ConfigurationException(IReadOnlyList<ConfigurationIssue> errors)
        : base(string.Join(Environment.NewLine, errors))
    {
        if (errors.Count == 0)
            throw new ArgumentException("a refused configuration has at least one error", nameof(errors));
        Errors = errors;
    }

    public IReadOnlyList<ConfigurationIssue> Errors { get; }
}
