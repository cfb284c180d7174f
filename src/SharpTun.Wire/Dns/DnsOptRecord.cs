namespace SharpTun.Wire;

/// <summary>
/// The EDNS(0) OPT pseudo-record (RFC 6891 §6.1.2, §6.1.3): CLASS carries the requestor's UDP payload
/// size and TTL carries the upper RCODE bits, the version and the DO flag.
/// </summary>
public readonly ref struct DnsOptRecord
{
    //             +0 (MSB)                            +1 (LSB)
    //  +---+---+---+---+---+---+---+---+---+---+---+---+---+---+---+---+
    //  |         EXTENDED-RCODE        |            VERSION            |
    //  +---+---+---+---+---+---+---+---+---+---+---+---+---+---+---+---+
    //  | DO|                           Z                               |
    //  +---+---+---+---+---+---+---+---+---+---+---+---+---+---+---+---+
    //  (the TTL field, RFC 6891 §6.1.3; DO from RFC 3225 §3)
    internal const uint DnssecOkBit = 0x8000;

    private readonly uint _ttl;

    internal DnsOptRecord(ushort udpPayloadSize, uint ttl, ReadOnlySpan<byte> options)
    {
        UdpPayloadSize = udpPayloadSize;
        _ttl = ttl;
        Options = new DnsKeyValueReader(options);
        OptionBytes = options;
    }

    /// <summary>Largest UDP payload the sender can receive; values below 512 mean 512 (RFC 6891 §6.2.5).</summary>
    public ushort UdpPayloadSize { get; }

    /// <summary>Upper 8 bits of the 12-bit RCODE.</summary>
    public byte ExtendedResponseCodeHigh => (byte)(_ttl >> 24);

    /// <summary>EDNS version; only 0 is defined, other versions get BADVERS (RFC 6891 §6.1.3).</summary>
    public byte Version => (byte)(_ttl >> 16);

    /// <summary>DO: the sender understands DNSSEC records (RFC 3225 §3).</summary>
    public bool DnssecOk => (_ttl & DnssecOkBit) != 0;

    /// <summary>The options in RDATA.</summary>
    public DnsKeyValueReader Options { get; }

    /// <summary>The options bytes as they appear on the wire.</summary>
    public ReadOnlySpan<byte> OptionBytes { get; }

    /// <summary>The full 12-bit RCODE from these upper bits and the header's lower 4 bits.</summary>
    public DnsResponseCode ExtendedResponseCode(DnsResponseCode headerResponseCode) =>
        (DnsResponseCode)((ExtendedResponseCodeHigh << 4) | ((int)headerResponseCode & 0xF));
}
