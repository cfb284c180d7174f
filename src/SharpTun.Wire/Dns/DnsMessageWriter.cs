using System.Buffers.Binary;

namespace SharpTun.Wire;

/// <summary>
/// Builds a DNS message (RFC 1035 §4.1) in a caller's span without allocating: header, questions,
/// then records section by section, keeping the header's counts up to date.
/// </summary>
/// <remarks>
/// <para>Owner names, and the names inside CNAME and PTR data, are compressed (RFC 1035 §4.1.4)
/// against the first <see cref="DnsNameOffsets.Capacity"/> labels written; the match ignores ASCII
/// case (RFC 4343), so write the question first to echo its exact spelling. SVCB target names are
/// never compressed (RFC 9460 §2.2).</para>
/// <para>Each <c>TryWrite</c> method either writes its whole entry or, when the span is too short,
/// nothing, and returns false: a UDP server then stops, sets <see cref="DnsFlags.Truncated"/>
/// (RFC 1035 §4.2.1) and sends what fits, sizing the span by the client's EDNS payload size (RFC 6891
/// §6.2.5). Names and RDATA come from this program, so malformed ones are programming errors and
/// throw <see cref="ArgumentException"/>.</para>
/// </remarks>
public ref struct DnsMessageWriter
{
    /// <summary>Largest offset a 14-bit compression pointer can reach.</summary>
    private const int MaximumPointerTarget = 0x3FFF;

    private const int FixedRecordFieldsLength = 10;

    private readonly Span<byte> _destination;
    private DnsNameOffsets _nameOffsets;
    private int _nameOffsetCount;

    /// <summary>Writes the header with zero counts.</summary>
    /// <exception cref="ArgumentException"><paramref name="destination"/> cannot hold the 12-byte header.</exception>
    public DnsMessageWriter(Span<byte> destination, ushort id, DnsFlags flags, DnsOpcode opcode = DnsOpcode.Query, DnsResponseCode responseCode = DnsResponseCode.NoError)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(destination.Length, DnsHeader.Length, nameof(destination));
        _destination = destination;
        destination[..DnsHeader.Length].Clear();
        BinaryPrimitives.WriteUInt16BigEndian(destination, id);
        BinaryPrimitives.WriteUInt16BigEndian(destination[DnsHeader.Field.Flags..], DnsHeader.EncodeFlags(flags, opcode, responseCode));
        Length = DnsHeader.Length;
        Section = DnsSection.Question;
    }

    /// <summary>Bytes written so far.</summary>
    public int Length { get; private set; }

    /// <summary>The section the next record goes into.</summary>
    public DnsSection Section { get; private set; }

    /// <summary>The message written so far.</summary>
    public readonly ReadOnlySpan<byte> Written => _destination[..Length];

    /// <summary>Sets flags in the header, such as <see cref="DnsFlags.Truncated"/> once a record did not fit.</summary>
    public readonly void AddFlags(DnsFlags flags)
    {
        var field = _destination[DnsHeader.Field.Flags..];
        BinaryPrimitives.WriteUInt16BigEndian(field, (ushort)(BinaryPrimitives.ReadUInt16BigEndian(field) | DnsHeader.EncodeFlags(flags, 0, 0)));
    }

    /// <summary>
    /// Replaces the header's RCODE with the low 4 bits of <paramref name="responseCode"/>; codes above
    /// 15 also need <see cref="TryWriteOpt"/> (RFC 6891 §6.1.3).
    /// </summary>
    public readonly void SetResponseCode(DnsResponseCode responseCode)
    {
        var field = _destination[DnsHeader.Field.Flags..];
        ushort flags = BinaryPrimitives.ReadUInt16BigEndian(field);
        BinaryPrimitives.WriteUInt16BigEndian(field, (ushort)((flags & ~0xF) | ((int)responseCode & 0xF)));
    }

    /// <summary>Moves on to a later record section; records so far stay where they are.</summary>
    /// <exception cref="InvalidOperationException"><paramref name="section"/> is before the current one.</exception>
    public void BeginSection(DnsSection section)
    {
        if (section < Section || section is DnsSection.Question or DnsSection.End)
            throw new InvalidOperationException($"cannot go from the {Section} section to the {section} section");
        Section = section;
    }

    /// <summary>Writes a question; questions come before every record.</summary>
    /// <param name="name">An uncompressed wire name, from <see cref="DnsNameEncoding.TryEncode"/> or <see cref="DnsName.CopyTo"/>.</param>
    public bool TryWriteQuestion(scoped ReadOnlySpan<byte> name, DnsRecordType type, DnsClass @class = DnsClass.Internet)
    {
        if (Section != DnsSection.Question)
            throw new InvalidOperationException("questions must be written before the first record");
        RequireValidName(name);
        var start = Save();
        if (!TryWriteName(name) || !TryReserve(4, out var fields))
            return Restore(start);
        BinaryPrimitives.WriteUInt16BigEndian(fields, (ushort)type);
        BinaryPrimitives.WriteUInt16BigEndian(fields[2..], (ushort)@class);
        return Count(start);
    }

    /// <summary>Writes an A record; <paramref name="address"/> is a number, 192.0.2.1 being 0xC0000201.</summary>
    public bool TryWriteA(scoped ReadOnlySpan<byte> name, uint timeToLive, uint address)
    {
        if (!TryBeginRecord(name, DnsRecordType.A, (ushort)DnsClass.Internet, timeToLive, out var start) || !TryReserve(4, out var data))
            return Restore(start);
        BinaryPrimitives.WriteUInt32BigEndian(data, address);
        return EndRecord(start);
    }

    /// <summary>Writes an AAAA record (RFC 3596 §2.2).</summary>
    /// <exception cref="ArgumentException"><paramref name="address"/> is not 16 bytes.</exception>
    public bool TryWriteAaaa(scoped ReadOnlySpan<byte> name, uint timeToLive, scoped ReadOnlySpan<byte> address)
    {
        if (address.Length != 16)
            throw new ArgumentException($"an IPv6 address is 16 bytes, not {address.Length}", nameof(address));
        return TryWriteRecord(name, DnsRecordType.Aaaa, DnsClass.Internet, timeToLive, address);
    }

    /// <summary>Writes a CNAME record with a compressed target.</summary>
    public bool TryWriteCname(scoped ReadOnlySpan<byte> name, uint timeToLive, scoped ReadOnlySpan<byte> canonicalName) =>
        TryWriteNameRecord(name, DnsRecordType.Cname, timeToLive, canonicalName);

    /// <summary>Writes a PTR record with a compressed target.</summary>
    public bool TryWritePtr(scoped ReadOnlySpan<byte> name, uint timeToLive, scoped ReadOnlySpan<byte> targetName) =>
        TryWriteNameRecord(name, DnsRecordType.Ptr, timeToLive, targetName);

    /// <summary>
    /// Writes a TXT record holding <paramref name="text"/> as character-strings of up to 255 bytes
    /// each (RFC 1035 §3.3.14; readers join them, RFC 7208 §3.3); empty text is one empty string.
    /// </summary>
    public bool TryWriteTxt(scoped ReadOnlySpan<byte> name, uint timeToLive, scoped ReadOnlySpan<byte> text)
    {
        if (!TryBeginRecord(name, DnsRecordType.Txt, (ushort)DnsClass.Internet, timeToLive, out var start))
            return Restore(start);
        do
        {
            var chunk = text[..Math.Min(text.Length, DnsCharacterStringReader.MaximumLength)];
            if (!TryReserve(1 + chunk.Length, out var data))
                return Restore(start);
            data[0] = (byte)chunk.Length;
            chunk.CopyTo(data[1..]);
            text = text[chunk.Length..];
        }
        while (!text.IsEmpty);
        return EndRecord(start);
    }

    /// <summary>Writes an SVCB or HTTPS record (RFC 9460 §2.2); the target name is not compressed.</summary>
    /// <param name="parameters">SvcParams in wire form, keys strictly increasing.</param>
    /// <exception cref="ArgumentException">Another type, a malformed target name or malformed parameters.</exception>
    public bool TryWriteServiceBinding(DnsRecordType type, scoped ReadOnlySpan<byte> name, uint timeToLive, ushort priority, scoped ReadOnlySpan<byte> targetName, scoped ReadOnlySpan<byte> parameters)
    {
        if (type is not (DnsRecordType.Svcb or DnsRecordType.Https))
            throw new ArgumentException($"{type} is not a service binding type", nameof(type));
        RequireValidName(targetName);
        if (!DnsKeyValueReader.IsWellFormed(parameters, keysAscending: true))
            throw new ArgumentException("SvcParams must be key, length, value entries with keys strictly increasing", nameof(parameters));
        if (!TryBeginRecord(name, type, (ushort)DnsClass.Internet, timeToLive, out var start) || !TryReserve(sizeof(ushort) + targetName.Length + parameters.Length, out var data))
            return Restore(start);
        BinaryPrimitives.WriteUInt16BigEndian(data, priority);
        targetName.CopyTo(data[sizeof(ushort)..]);
        parameters.CopyTo(data[(sizeof(ushort) + targetName.Length)..]);
        return EndRecord(start);
    }

    /// <summary>
    /// Writes the EDNS(0) OPT record into the additional section (RFC 6891 §6.1.2), moving there if
    /// needed. The upper 8 bits of <paramref name="extendedResponseCode"/> go into the record; set the
    /// lower 4 with <see cref="SetResponseCode"/>.
    /// </summary>
    /// <param name="options">EDNS options in wire form.</param>
    /// <exception cref="ArgumentException"><paramref name="options"/> is malformed.</exception>
    public bool TryWriteOpt(ushort udpPayloadSize, bool dnssecOk, DnsResponseCode extendedResponseCode = DnsResponseCode.NoError, byte version = 0, scoped ReadOnlySpan<byte> options = default)
    {
        if (!DnsKeyValueReader.IsWellFormed(options, keysAscending: false))
            throw new ArgumentException("EDNS options must be code, length, data entries", nameof(options));
        if (Section < DnsSection.Additional)
            Section = DnsSection.Additional;
        uint flags = ((uint)extendedResponseCode >> 4 << 24) | ((uint)version << 16) | (dnssecOk ? DnsOptRecord.DnssecOkBit : 0);
        return TryWriteRecord([0], DnsRecordType.Opt, (DnsClass)udpPayloadSize, flags, options);
    }

    /// <summary>Writes a record of any type with RDATA as given (names in it are not compressed).</summary>
    public bool TryWriteRecord(scoped ReadOnlySpan<byte> name, DnsRecordType type, DnsClass @class, uint timeToLive, scoped ReadOnlySpan<byte> data)
    {
        if (!TryBeginRecord(name, type, (ushort)@class, timeToLive, out var start) || !TryReserve(data.Length, out var destination))
            return Restore(start);
        data.CopyTo(destination);
        return EndRecord(start);
    }

    private bool TryWriteNameRecord(scoped ReadOnlySpan<byte> name, DnsRecordType type, uint timeToLive, scoped ReadOnlySpan<byte> target)
    {
        RequireValidName(target);
        if (!TryBeginRecord(name, type, (ushort)DnsClass.Internet, timeToLive, out var start) || !TryWriteName(target))
            return Restore(start);
        return EndRecord(start);
    }

    // Writes owner name, TYPE, CLASS and TTL, and leaves RDLENGTH to EndRecord; after a false
    // return, Restore(start) undoes the partial write.
    private bool TryBeginRecord(scoped ReadOnlySpan<byte> name, DnsRecordType type, ushort @class, uint timeToLive, out RecordStart start)
    {
        RequireValidName(name);
        if (Section == DnsSection.Question)
            Section = DnsSection.Answer;
        start = Save();
        if (!TryWriteName(name) || !TryReserve(FixedRecordFieldsLength, out var fields))
            return false;
        BinaryPrimitives.WriteUInt16BigEndian(fields, (ushort)type);
        BinaryPrimitives.WriteUInt16BigEndian(fields[2..], @class);
        BinaryPrimitives.WriteUInt32BigEndian(fields[4..], timeToLive);
        start = start with { DataOffset = Length };
        return true;
    }

    private bool EndRecord(RecordStart start)
    {
        BinaryPrimitives.WriteUInt16BigEndian(_destination[(start.DataOffset - 2)..], (ushort)(Length - start.DataOffset));
        return Count(start);
    }

    // Adds one to the header count of the current section, or undoes the entry if it is full.
    private bool Count(RecordStart start)
    {
        var field = _destination[(DnsHeader.Field.QuestionCount + 2 * (int)Section)..];
        ushort count = BinaryPrimitives.ReadUInt16BigEndian(field);
        if (count == ushort.MaxValue)
            return Restore(start);
        BinaryPrimitives.WriteUInt16BigEndian(field, (ushort)(count + 1));
        return true;
    }

    // Writes a validated uncompressed name, replacing its longest suffix already in the message by a
    // pointer (RFC 1035 §4.1.4), then remembers where its new labels are.
    private bool TryWriteName(scoped ReadOnlySpan<byte> name)
    {
        int nameOffset = Length;
        int suffix = 0;
        while (name[suffix] != 0)
        {
            int previous = FindWrittenName(name[suffix..]);
            if (previous >= 0)
            {
                if (!TryReserve(2, out var pointer))
                    return false;
                BinaryPrimitives.WriteUInt16BigEndian(pointer, (ushort)((DnsName.PointerTag << 8) | previous));
                RememberLabels(nameOffset, suffix);
                return true;
            }
            int labelLength = 1 + name[suffix];
            if (!TryReserve(labelLength, out var label))
                return false;
            name.Slice(suffix, labelLength).CopyTo(label);
            suffix += labelLength;
        }
        if (!TryReserve(1, out var root))
            return false;
        root[0] = 0;
        RememberLabels(nameOffset, suffix);
        return true;
    }

    // Adds the labels written in full at nameOffset (labelsLength bytes of them) as pointer targets.
    // Only complete names are remembered, so FindWrittenName never walks an unfinished one.
    private void RememberLabels(int nameOffset, int labelsLength)
    {
        for (int offset = nameOffset; offset < nameOffset + labelsLength; offset += 1 + _destination[offset])
        {
            if (offset > MaximumPointerTarget || _nameOffsetCount == DnsNameOffsets.Capacity)
                return;
            _nameOffsets[_nameOffsetCount++] = (ushort)offset;
        }
    }

    private readonly int FindWrittenName(scoped ReadOnlySpan<byte> suffix)
    {
        ReadOnlySpan<byte> written = _destination[..Length];
        for (int i = 0; i < _nameOffsetCount; i++)
        {
            if (DnsName.CreateUnchecked(written, _nameOffsets[i]).Matches(suffix))
                return _nameOffsets[i];
        }
        return -1;
    }

    private bool TryReserve(int length, out Span<byte> reserved)
    {
        if (Length + length > _destination.Length)
        {
            reserved = default;
            return false;
        }
        reserved = _destination.Slice(Length, length);
        Length += length;
        return true;
    }

    private readonly RecordStart Save() => new(Length, _nameOffsetCount, 0);

    private bool Restore(RecordStart start)
    {
        Length = start.Length;
        _nameOffsetCount = start.NameOffsetCount;
        return false;
    }

    private static void RequireValidName(ReadOnlySpan<byte> name)
    {
        var error = DnsNameEncoding.Validate(name);
        if (error != DnsError.None)
            throw new ArgumentException($"not an uncompressed wire name ({error}); encode names with DnsNameEncoding.TryEncode", nameof(name));
    }

    /// <summary>Where an entry started, to undo it, and where its RDATA starts.</summary>
    private readonly record struct RecordStart(int Length, int NameOffsetCount, int DataOffset);
}
