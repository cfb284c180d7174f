namespace SharpTun.Dns.Upstreams;

/// <summary>An upstream could not answer; the message says which upstream and why, for a log line.</summary>
public sealed class DnsUpstreamException : Exception
{
    /// <summary>A failure described by <paramref name="message"/>.</summary>
    public DnsUpstreamException(string message)
        : base(message)
    {
    }

    /// <summary>A failure described by <paramref name="message"/>, caused by <paramref name="innerException"/>.</summary>
    public DnsUpstreamException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <summary>
    /// True when the query went out on a connection that had already carried answers and the
    /// server closed it before answering: RFC 7766 §6.2.1 lets servers close idle connections at
    /// any time, so the query is worth one more try on a new connection.
    /// </summary>
    internal bool ClosedReusedConnection { get; init; }
}
