namespace SharpTun.Wire;

/// <summary>
/// Why a DNS message could not be read. Hostile input from the network ends in one of these values,
/// never in an exception; a server answers FORMERR (RFC 1035 §4.1.1) or drops the datagram.
/// </summary>
public enum DnsError : byte
{
    /// <summary>No error.</summary>
    None,

    /// <summary>The message ends inside the header, a name, or a question or record's fixed fields.</summary>
    Truncated,

    /// <summary>The header's counts promise more questions and records than the message can hold.</summary>
    TooManyRecords,

    /// <summary>A compression pointer leads back into bytes of the same name already read (itself, or a cycle).</summary>
    PointerLoop,

    /// <summary>A compression pointer points forward; RFC 1035 §4.1.4 allows only a prior occurrence.</summary>
    ForwardPointer,

    /// <summary>A compression pointer points past the end of the message.</summary>
    PointerBeyondMessage,

    /// <summary>A name follows more compression pointers than <see cref="DnsName.MaximumPointers"/>.</summary>
    TooManyPointers,

    /// <summary>A label is longer than 63 bytes, or a length byte has the reserved top bits 01 or 10 (RFC 1035 §4.1.4).</summary>
    LabelTooLong,

    /// <summary>A name is longer than 255 bytes in wire form (RFC 1035 §2.3.4).</summary>
    NameTooLong,

    /// <summary>A dotted name has an empty label ("a..b", ".a", or an empty string).</summary>
    EmptyLabel,

    /// <summary>A dotted name has a character outside ASCII; IDNA is not done here (convert with <c>IdnMapping</c> first).</summary>
    NonAsciiName,

    /// <summary>RDLENGTH reaches past the end of the message.</summary>
    RecordDataBeyondMessage,

    /// <summary>RDATA has the wrong length for its type (an A record that is not 4 bytes, an AAAA that is not 16).</summary>
    BadRecordDataLength,

    /// <summary>RDATA of a known type is malformed: a name or string overruns RDLENGTH, or bytes are left over.</summary>
    BadRecordData,

    /// <summary>An OPT record outside the additional section, or with an owner other than the root (RFC 6891 §6.1.1).</summary>
    MisplacedOpt,

    /// <summary>More than one OPT record (RFC 6891 §6.1.1: the responder answers FORMERR).</summary>
    DuplicateOpt,
}
