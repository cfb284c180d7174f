namespace SharpTun.Vpn.Config;

/// <summary>A configuration file was refused; <see cref="Errors"/> lists every problem found, in file order.</summary>
public sealed class VpnConfigurationException : FormatException
{
    public VpnConfigurationException(IReadOnlyList<VpnConfigurationIssue> errors)
        : base(string.Join(Environment.NewLine, errors))
    {
        if (errors.Count == 0)
            throw new ArgumentException("a refused configuration has at least one error", nameof(errors));
        Errors = errors;
    }

    public IReadOnlyList<VpnConfigurationIssue> Errors { get; }
}
