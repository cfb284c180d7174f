namespace SharpTun.Wire;

/// <summary>One SVCB parameter or EDNS option, as returned by <see cref="DnsKeyValueReader"/>.</summary>
public readonly ref struct DnsKeyValue
{
    internal DnsKeyValue(ushort key, ReadOnlySpan<byte> value)
    {
        Key = key;
        Value = value;
    }

    /// <summary>SvcParamKey (see <see cref="DnsServiceParameterKey"/>) or EDNS OPTION-CODE.</summary>
    public ushort Key { get; }

    /// <summary>The value bytes, without key and length.</summary>
    public ReadOnlySpan<byte> Value { get; }
}
