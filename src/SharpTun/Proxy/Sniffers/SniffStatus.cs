namespace SharpTun.Proxy.Sniffers;

/// <summary>What a sniffer concluded from the first bytes of a flow.</summary>
public enum SniffStatus
{
    /// <summary>A domain name was found and written to the caller's buffer.</summary>
    Found,

    /// <summary>The bytes so far are a valid prefix; wait for more (up to the caller's bound) and sniff again.</summary>
    NeedMore,

    /// <summary>The message is complete and well formed but names no domain (no SNI, no Host, an IP literal Host).</summary>
    NoDomain,

    /// <summary>The bytes are not this protocol (or, from <see cref="DomainSniffer"/>, neither TLS nor HTTP).</summary>
    NotThisProtocol,

    /// <summary>The bytes start like the protocol but break its rules; <see cref="SniffResult.Reason"/> says how.</summary>
    Malformed,
}
