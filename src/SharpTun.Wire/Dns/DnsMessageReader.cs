using System.Buffers.Binary;

namespace SharpTun.Wire;

/// <summary>
/// Reads a DNS message (RFC 1035 §4.1) from untrusted bytes without allocating: the header, then the
/// questions, then the records of the answer, authority and additional sections in order. Nothing
/// here throws or loops on hostile input; a problem stops the walk and is kept in <see cref="Error"/>.
/// </summary>
/// <remarks>
/// Every record's RDATA is checked for the types <see cref="DnsResourceRecord"/> has accessors for,
/// so those accessors cannot fail. An OPT record is accepted once, in the additional section, with
/// the root as owner (RFC 6891 §6.1.1). Bytes after the last record are ignored.
/// </remarks>
public ref struct DnsMessageReader
{
    /// <summary>Smallest question: the root name and QTYPE, QCLASS.</summary>
    private const int MinimumQuestionLength = 1 + 4;

    /// <summary>Smallest record: the root name, TYPE, CLASS, TTL, RDLENGTH.</summary>
    private const int MinimumRecordLength = 1 + FixedRecordFieldsLength;

    /// <summary>TYPE, CLASS, TTL and RDLENGTH after a record's owner name.</summary>
    private const int FixedRecordFieldsLength = 10;

    private readonly ReadOnlySpan<byte> _message;
    private int _position;
    private int _remainingInSection;
    private bool _sawOpt;

    private DnsMessageReader(ReadOnlySpan<byte> message, DnsHeader header)
    {
        _message = message;
        Header = header;
        _position = DnsHeader.Length;
        Section = DnsSection.Question;
        _remainingInSection = header.QuestionCount;
        _sawOpt = false;
        Error = DnsError.None;
        SkipEmptySections();
    }

    /// <summary>The message bytes.</summary>
    public readonly ReadOnlySpan<byte> Message => _message;

    public DnsHeader Header { get; }

    /// <summary>The section of the next question or record; <see cref="DnsSection.End"/> after the last.</summary>
    public DnsSection Section { get; private set; }

    /// <summary>Why the walk stopped early, or <see cref="DnsError.None"/>.</summary>
    public DnsError Error { get; private set; }

    /// <summary>
    /// Offset of the next question or record. After the last one it is the length of the message as
    /// its header describes it (a message read over TCP or with trailing bytes may be longer).
    /// </summary>
    public readonly int Position => _position;

    /// <summary>
    /// Reads the header and checks that its counts could fit in the message; never throws.
    /// Questions and records are checked as they are read.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> message, out DnsMessageReader reader, out DnsError error)
    {
        reader = default;
        if (message.Length < DnsHeader.Length)
        {
            error = DnsError.Truncated;
            return false;
        }
        var header = DnsHeader.Read(message);
        long smallestBody = (long)header.QuestionCount * MinimumQuestionLength
            + ((long)header.AnswerCount + header.AuthorityCount + header.AdditionalCount) * MinimumRecordLength;
        if (smallestBody > message.Length - DnsHeader.Length)
        {
            error = DnsError.TooManyRecords;
            return false;
        }
        reader = new DnsMessageReader(message, header);
        error = DnsError.None;
        return true;
    }

    /// <summary>Reads the next question; false after the last one or on an error (see <see cref="Error"/>).</summary>
    public bool TryReadQuestion(out DnsQuestion question)
    {
        question = default;
        if (Error != DnsError.None || Section != DnsSection.Question)
            return false;
        var error = DnsName.TryRead(_message, _position, out var name, out int end);
        if (error != DnsError.None)
            return Fail(error);
        if (end + 4 > _message.Length)
            return Fail(DnsError.Truncated);
        var fields = _message[end..];
        question = new DnsQuestion(
            name,
            (DnsRecordType)BinaryPrimitives.ReadUInt16BigEndian(fields),
            (DnsClass)BinaryPrimitives.ReadUInt16BigEndian(fields[2..]));
        _position = end + 4;
        Advance();
        return true;
    }

    /// <summary>
    /// Reads the next record, first skipping any questions not yet read; false after the last one or
    /// on an error (see <see cref="Error"/>).
    /// </summary>
    public bool TryReadRecord(out DnsResourceRecord record)
    {
        record = default;
        while (Section == DnsSection.Question)
        {
            if (!TryReadQuestion(out _))
                return false;
        }
        if (Error != DnsError.None || Section == DnsSection.End)
            return false;

        var error = DnsName.TryRead(_message, _position, out var name, out int end);
        if (error != DnsError.None)
            return Fail(error);
        if (end + FixedRecordFieldsLength > _message.Length)
            return Fail(DnsError.Truncated);
        var fields = _message[end..];
        var type = (DnsRecordType)BinaryPrimitives.ReadUInt16BigEndian(fields);
        ushort @class = BinaryPrimitives.ReadUInt16BigEndian(fields[2..]);
        uint timeToLive = BinaryPrimitives.ReadUInt32BigEndian(fields[4..]);
        int dataLength = BinaryPrimitives.ReadUInt16BigEndian(fields[8..]);
        int dataOffset = end + FixedRecordFieldsLength;
        if (dataOffset + dataLength > _message.Length)
            return Fail(DnsError.RecordDataBeyondMessage);
        if (type == DnsRecordType.Opt)
        {
            if (Section != DnsSection.Additional || !name.IsRoot)
                return Fail(DnsError.MisplacedOpt);
            if (_sawOpt)
                return Fail(DnsError.DuplicateOpt);
            _sawOpt = true;
        }
        error = DnsResourceRecord.ValidateData(_message, type, dataOffset, dataLength);
        if (error != DnsError.None)
            return Fail(error);

        record = new DnsResourceRecord(_message, Section, name, type, @class, timeToLive, dataOffset, dataLength);
        _position = dataOffset + dataLength;
        Advance();
        return true;
    }

    private void Advance()
    {
        _remainingInSection--;
        SkipEmptySections();
    }

    private void SkipEmptySections()
    {
        while (_remainingInSection == 0 && Section != DnsSection.End)
        {
            Section++;
            _remainingInSection = Section switch
            {
                DnsSection.Answer => Header.AnswerCount,
                DnsSection.Authority => Header.AuthorityCount,
                DnsSection.Additional => Header.AdditionalCount,
                _ => 0,
            };
        }
    }

    private bool Fail(DnsError error)
    {
        Error = error;
        return false;
    }
}
