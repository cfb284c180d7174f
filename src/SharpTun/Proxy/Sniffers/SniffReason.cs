namespace SharpTun.Proxy.Sniffers;

/// <summary>Why a sniff ended in <see cref="SniffStatus.Malformed"/> or <see cref="SniffStatus.NoDomain"/>.</summary>
public enum SniffReason
{
    /// <summary>Nothing to explain: found, need more, or not this protocol.</summary>
    None,

    /// <summary>A length field points past the end of the structure that encloses it.</summary>
    LengthOverrun,

    /// <summary>Bytes are left over after the last field of a structure.</summary>
    TrailingBytes,

    /// <summary>A TLS record after the first has a major version other than 3.</summary>
    RecordVersion,

    /// <summary>A zero-length handshake record, which RFC 8446 §5.1 forbids.</summary>
    EmptyRecord,

    /// <summary>A TLS record longer than 2^14 bytes (RFC 8446 §5.1).</summary>
    RecordTooLong,

    /// <summary>A record of another content type arrived before the ClientHello was complete (RFC 8446 §5.1).</summary>
    InterleavedRecord,

    /// <summary>The first handshake message is not a ClientHello (a ServerHello, say).</summary>
    NotClientHello,

    /// <summary>The ClientHello is longer than <see cref="TlsClientHelloSniffer.MaxClientHelloLength"/>.</summary>
    ClientHelloTooLong,

    /// <summary>The ClientHello's legacy_version is not 3.x.</summary>
    ClientHelloVersion,

    /// <summary>legacy_session_id is longer than 32 bytes (RFC 8446 §4.1.2).</summary>
    SessionIdTooLong,

    /// <summary>cipher_suites is empty or has an odd length (RFC 8446 §4.1.2).</summary>
    CipherSuites,

    /// <summary>legacy_compression_methods is empty (RFC 8446 §4.1.2).</summary>
    CompressionMethods,

    /// <summary>Two server_name extensions (RFC 8446 §4.2) or two host_name entries in one (RFC 6066 §3).</summary>
    DuplicateServerName,

    /// <summary>The server_name extension has an empty server_name_list (RFC 6066 §3).</summary>
    EmptyServerNameList,

    /// <summary>A ClientHello without a server_name extension, or one with no host_name entry.</summary>
    NoServerName,

    /// <summary>An empty host name: zero-length HostName (RFC 6066 §3) or an empty Host value.</summary>
    EmptyHostName,

    /// <summary>
    /// An IPv4 or IPv6 literal where a domain was expected, or a name whose last label is all digits,
    /// which no top-level domain is (RFC 3696 §2) and which resolvers read as an address.
    /// </summary>
    IpLiteralHostName,

    /// <summary>A host name longer than <see cref="HostNameRules.MaxLength"/> characters.</summary>
    HostNameTooLong,

    /// <summary>A host name with a character outside letters, digits, '-', '_' and '.', an empty label or a label over 63.</summary>
    InvalidHostName,

    /// <summary>The HTTP request line is not "method SP request-target SP HTTP/1.x" (RFC 9112 §3).</summary>
    RequestLine,

    /// <summary>An HTTP header line is not "field-name: value", or has whitespace before the colon (RFC 9112 §5.1).</summary>
    HeaderLine,

    /// <summary>The HTTP header section did not end within <see cref="HttpHostSniffer.MaxHeaderSectionLength"/> bytes.</summary>
    HeaderSectionTooLong,

    /// <summary>The Host field is continued on a folded line (obs-fold, RFC 9112 §5.2).</summary>
    FoldedHost,

    /// <summary>More than one Host field (RFC 9112 §3.2: a server must reject the request).</summary>
    DuplicateHost,

    /// <summary>An HTTP request with neither a Host field nor an authority in its request target.</summary>
    NoHost,

    /// <summary>The port after the host is not all digits (RFC 3986 §3.2.3).</summary>
    InvalidPort,
}
