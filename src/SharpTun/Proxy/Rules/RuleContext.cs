using System.Net;

namespace SharpTun.Proxy.Rules;

/// <summary>
/// What the rules may look at for one connection. A struct passed by reference, so a lookup
/// allocates nothing. Unknown fields stay null; a rule about an unknown field does not match.
/// </summary>
public readonly struct RuleContext
{
    /// <summary>The destination address; null when only the domain is known.</summary>
    public IPAddress? DestinationAddress { get; init; }

    /// <summary>
    /// False (the default) when <see cref="DestinationAddress"/> is the address the connection was
    /// made to; true when the caller resolved it from <see cref="Domain"/>. A resolved address is
    /// ignored by IP rules marked <c>no-resolve</c>. The engine never resolves names itself: see
    /// <see cref="RuleEngine.FirstResolvingIpRuleIndex"/> for when resolving is worth it.
    /// </summary>
    public bool DestinationAddressIsResolved { get; init; }

    /// <summary>The destination port, 0-65535.</summary>
    public int DestinationPort { get; init; }

    /// <summary>The source address, or null when not known.</summary>
    public IPAddress? SourceAddress { get; init; }

    /// <summary>The source port, 0-65535.</summary>
    public int SourcePort { get; init; }

    /// <summary>The transport.</summary>
    public RuleNetwork Network { get; init; }

    /// <summary>The destination's domain (from fake IP, sniffing or the request), or null; a trailing dot is ignored.</summary>
    public string? Domain { get; init; }

    /// <summary>The name of the local process that owns the socket, or null when not known.</summary>
    public string? ProcessName { get; init; }
}
