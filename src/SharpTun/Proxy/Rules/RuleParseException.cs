namespace SharpTun.Proxy.Rules;

/// <summary>
/// A rule line or rule-set file line that cannot be used. The message names the source, the line
/// and the reason, e.g. <c>rules line 12: bad CIDR '10.0.0.0/33' (prefix length over 32)</c>.
/// </summary>
public sealed class RuleParseException : FormatException
{
    /// <summary>Creates the exception for line <paramref name="lineNumber"/> (1-based) of <paramref name="source"/>.</summary>
    public RuleParseException(string source, int lineNumber, string reason)
        : base($"{source} line {lineNumber}: {reason}")
    {
        SourceName = source;
        LineNumber = lineNumber;
        Reason = reason;
    }

    /// <summary>Where the line came from: "rules" or a rule-set file's path.</summary>
    public string SourceName { get; }

    /// <summary>The 1-based line number.</summary>
    public int LineNumber { get; }

    /// <summary>What is wrong with the line.</summary>
    public string Reason { get; }
}
