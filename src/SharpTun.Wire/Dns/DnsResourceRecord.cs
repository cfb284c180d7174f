using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;

namespace SharpTun.Wire;

/// <summary>
/// One resource record (RFC 1035 §4.1.3) read by <see cref="DnsMessageReader"/>, which has checked the
/// RDATA of every type with a typed accessor here; each accessor throws only when called for another
/// type, a programming error.
/// </summary>
public readonly ref struct DnsResourceRecord
{
    private readonly ReadOnlySpan<byte> _message;
    private readonly int _dataOffset;

    internal DnsResourceRecord(ReadOnlySpan<byte> message, DnsSection section, DnsName name, DnsRecordType type, ushort @class, uint timeToLive, int dataOffset, int dataLength)
    {
        _message = message;
        Section = section;
        Name = name;
        Type = type;
        RawClass = @class;
        TimeToLive = timeToLive;
        _dataOffset = dataOffset;
        Data = message.Slice(dataOffset, dataLength);
    }

    /// <summary>The section the record was found in.</summary>
    public DnsSection Section { get; }

    /// <summary>The owner name.</summary>
    public DnsName Name { get; }

    public DnsRecordType Type { get; }

    /// <summary>CLASS as a number; for OPT it is the UDP payload size, so it is not always a <see cref="DnsClass"/>.</summary>
    public ushort RawClass { get; }

    public DnsClass Class => (DnsClass)RawClass;

    /// <summary>TTL in seconds; RFC 2181 §8 says to treat values with the top bit set as 0. For OPT it holds flags.</summary>
    public uint TimeToLive { get; }

    /// <summary>RDATA, as it appears in the message (names in it may be compressed).</summary>
    public ReadOnlySpan<byte> Data { get; }

    /// <summary>The address of an A record as a number, 192.0.2.1 being 0xC0000201, as <see cref="Ipv4Packet.Destination"/>.</summary>
    public uint Ipv4Address
    {
        get
        {
            RequireType(DnsRecordType.A);
            return BinaryPrimitives.ReadUInt32BigEndian(Data);
        }
    }

    /// <summary>The address bytes of an A (4 bytes) or AAAA (16 bytes) record.</summary>
    public ReadOnlySpan<byte> Address
    {
        get
        {
            if (Type != DnsRecordType.A)
                RequireType(DnsRecordType.Aaaa);
            return Data;
        }
    }

    /// <summary>The name in the RDATA of a CNAME, PTR or NS record.</summary>
    public DnsName TargetName
    {
        get
        {
            if (!HoldsName(Type))
                ThrowWrongType(DnsRecordType.Cname);
            return DnsName.CreateUnchecked(_message, _dataOffset);
        }
    }

    /// <summary>The character-strings of a TXT record.</summary>
    public DnsCharacterStringReader TextStrings
    {
        get
        {
            RequireType(DnsRecordType.Txt);
            return new DnsCharacterStringReader(Data);
        }
    }

    /// <summary>The RDATA of an SVCB or HTTPS record.</summary>
    public DnsServiceBinding ServiceBinding
    {
        get
        {
            if (Type != DnsRecordType.Svcb)
                RequireType(DnsRecordType.Https);
            DnsServiceBinding.TryRead(Data, out var binding);
            return binding;
        }
    }

    /// <summary>The EDNS fields of an OPT record.</summary>
    public DnsOptRecord Opt
    {
        get
        {
            RequireType(DnsRecordType.Opt);
            return new DnsOptRecord(RawClass, TimeToLive, Data);
        }
    }

    /// <summary>Checks the RDATA of the types this view has accessors for; other types are taken as opaque bytes.</summary>
    internal static DnsError ValidateData(ReadOnlySpan<byte> message, DnsRecordType type, int dataOffset, int dataLength)
    {
        var data = message.Slice(dataOffset, dataLength);
        switch (type)
        {
            case DnsRecordType.A:
                return dataLength == 4 ? DnsError.None : DnsError.BadRecordDataLength;
            case DnsRecordType.Aaaa:
                return dataLength == 16 ? DnsError.None : DnsError.BadRecordDataLength;
            case DnsRecordType.Txt:
                return DnsCharacterStringReader.IsWellFormed(data) ? DnsError.None : DnsError.BadRecordData;
            case DnsRecordType.Svcb:
            case DnsRecordType.Https:
                return DnsServiceBinding.TryRead(data, out _);
            case DnsRecordType.Opt:
                return DnsKeyValueReader.IsWellFormed(data, keysAscending: false) ? DnsError.None : DnsError.BadRecordData;
            case var _ when HoldsName(type):
                // These types may use compression inside RDATA (RFC 3597 §4), so the name is read
                // against the whole message; in place it must fill the RDATA exactly.
                var error = DnsName.TryRead(message[..(dataOffset + dataLength)], dataOffset, out _, out int end);
                if (error == DnsError.Truncated)
                    return DnsError.BadRecordData;
                return error != DnsError.None ? error : end == dataOffset + dataLength ? DnsError.None : DnsError.BadRecordData;
            default:
                return DnsError.None;
        }
    }

    private static bool HoldsName(DnsRecordType type) =>
        type is DnsRecordType.Cname or DnsRecordType.Ptr or DnsRecordType.Ns;

    private void RequireType(DnsRecordType expected)
    {
        if (Type != expected)
            ThrowWrongType(expected);
    }

    [DoesNotReturn]
    private void ThrowWrongType(DnsRecordType expected) =>
        throw new InvalidOperationException($"the record is of type {Type}, not {expected}");
}
