namespace SharpTun.Proxy.Sniffers;

/// <summary>
/// Recovers the domain a TCP flow is for from its first bytes: the SNI of a TLS ClientHello or the
/// Host of an HTTP/1.x request. Pure and allocation-free; the caller peeks the bytes, calls again with
/// more while the result is <see cref="SniffStatus.NeedMore"/>, and gives up at its own time and byte
/// bound (<see cref="MaxUsefulLength"/> covers both parsers' limits).
/// </summary>
public static class DomainSniffer
{
    /// <summary>
    /// A byte bound for the caller: HTTP gives up at <see cref="HttpHostSniffer.MaxHeaderSectionLength"/>
    /// (16 KiB), and the longest ClientHello accepted, with its 4-byte handshake header, fits in two
    /// full-size records with their 5-byte headers. A ClientHello cut into smaller records may need more.
    /// </summary>
    public const int MaxUsefulLength = TlsClientHelloSniffer.MaxClientHelloLength + 4 + 2 * 5;

    /// <summary>
    /// Sniffs <paramref name="input"/>: TLS when it starts with a handshake record, HTTP when it starts
    /// with a request method, otherwise <see cref="SniffStatus.NotThisProtocol"/>. On
    /// <see cref="SniffStatus.Found"/> the lowercased domain is the first
    /// <see cref="SniffResult.HostNameLength"/> characters of <paramref name="hostName"/>, which must hold
    /// <see cref="HostNameRules.MaxLength"/> characters.
    /// </summary>
    public static SniffResult Sniff(ReadOnlySpan<byte> input, Span<char> hostName)
    {
        HostNameRules.ThrowIfTooSmall(hostName);
        if (input.IsEmpty)
            return SniffResult.NeedMore(SniffProtocol.None);
        return input[0] == TlsClientHelloSniffer.HandshakeContentType
            ? TlsClientHelloSniffer.Sniff(input, hostName)
            : HttpHostSniffer.Sniff(input, hostName);
    }
}
