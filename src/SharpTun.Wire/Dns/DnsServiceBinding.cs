using System.Buffers.Binary;

namespace SharpTun.Wire;

/// <summary>The RDATA of an SVCB or HTTPS record (RFC 9460 §2.2), checked by <see cref="DnsMessageReader"/>.</summary>
public readonly ref struct DnsServiceBinding
{
    private readonly ReadOnlySpan<byte> _data;
    private readonly int _parametersOffset;

    internal DnsServiceBinding(ReadOnlySpan<byte> data, DnsName targetName, int parametersOffset)
    {
        _data = data;
        TargetName = targetName;
        _parametersOffset = parametersOffset;
    }

    /// <summary>SvcPriority: 0 is AliasMode (RFC 9460 §2.4.2), anything else ServiceMode, lower preferred.</summary>
    public ushort Priority => BinaryPrimitives.ReadUInt16BigEndian(_data);

    /// <summary>TargetName, never compressed (RFC 9460 §2.2); the root means the owner name itself.</summary>
    public DnsName TargetName { get; }

    /// <summary>SvcParams in increasing key order.</summary>
    public DnsKeyValueReader Parameters => new(_data[_parametersOffset..]);

    /// <summary>The SvcParams bytes as they appear on the wire.</summary>
    public ReadOnlySpan<byte> ParameterBytes => _data[_parametersOffset..];

    /// <summary>Checks SVCB RDATA: priority, an uncompressed TargetName, then well-formed parameters in increasing key order.</summary>
    internal static DnsError TryRead(ReadOnlySpan<byte> data, out DnsServiceBinding binding)
    {
        binding = default;
        if (data.Length < sizeof(ushort) + 1)
            return DnsError.BadRecordData;
        // Read within the RDATA alone, so any pointer fails or shows as a wire length longer than the
        // name's length in place; either way the name was compressed, which RFC 9460 §2.2 forbids.
        var error = DnsName.TryRead(data, sizeof(ushort), out var target, out int end);
        if (error is DnsError.LabelTooLong or DnsError.NameTooLong)
            return error;
        if (error != DnsError.None)
            return DnsError.BadRecordData;
        if (target.WireLength != end - sizeof(ushort) || !DnsKeyValueReader.IsWellFormed(data[end..], keysAscending: true))
            return DnsError.BadRecordData;
        binding = new DnsServiceBinding(data, target, end);
        return DnsError.None;
    }
}
