namespace SharpTun.Proxy.Sniffers;

/// <summary>
/// The outcome of sniffing the first bytes of a flow. On <see cref="SniffStatus.Found"/> the domain is
/// the first <see cref="HostNameLength"/> characters of the buffer the caller passed, in lowercase.
/// </summary>
/// <param name="Status">Found, need more bytes, no domain, not this protocol, or malformed.</param>
/// <param name="Protocol">The protocol recognised, <see cref="SniffProtocol.None"/> when none was.</param>
/// <param name="Reason">Why the status is <see cref="SniffStatus.Malformed"/> or <see cref="SniffStatus.NoDomain"/>.</param>
/// <param name="HostNameLength">Characters written to the caller's buffer; 0 unless found.</param>
/// <param name="HasEncryptedClientHello">
/// The ClientHello carries encrypted_client_hello (0xfe0d): the name found is the outer (public) one,
/// not necessarily where the client is going. A GREASE ECH extension looks the same on the wire.
/// </param>
public readonly record struct SniffResult(SniffStatus Status, SniffProtocol Protocol, SniffReason Reason, int HostNameLength, bool HasEncryptedClientHello)
{
    internal static SniffResult Found(SniffProtocol protocol, int hostNameLength, bool hasEncryptedClientHello = false) =>
        new(SniffStatus.Found, protocol, SniffReason.None, hostNameLength, hasEncryptedClientHello);

    internal static SniffResult NeedMore(SniffProtocol protocol) => new(SniffStatus.NeedMore, protocol, SniffReason.None, 0, false);

    internal static SniffResult NoDomain(SniffProtocol protocol, SniffReason reason, bool hasEncryptedClientHello = false) =>
        new(SniffStatus.NoDomain, protocol, reason, 0, hasEncryptedClientHello);

    internal static SniffResult NotThisProtocol { get; } = new(SniffStatus.NotThisProtocol, SniffProtocol.None, SniffReason.None, 0, false);

    internal static SniffResult Malformed(SniffProtocol protocol, SniffReason reason) => new(SniffStatus.Malformed, protocol, reason, 0, false);
}
