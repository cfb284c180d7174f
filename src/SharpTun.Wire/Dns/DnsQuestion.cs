namespace SharpTun.Wire;

/// <summary>One entry of the question section (RFC 1035 §4.1.2), read by <see cref="DnsMessageReader"/>.</summary>
public readonly ref struct DnsQuestion
{
    internal DnsQuestion(DnsName name, DnsRecordType type, DnsClass @class)
    {
        Name = name;
        Type = type;
        Class = @class;
    }

    /// <summary>QNAME.</summary>
    public DnsName Name { get; }

    /// <summary>QTYPE.</summary>
    public DnsRecordType Type { get; }

    /// <summary>QCLASS.</summary>
    public DnsClass Class { get; }
}
