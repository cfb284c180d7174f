namespace SharpTun.Wire;

/// <summary>
/// The options a SYN usually negotiates, as read by <see cref="TcpSegment.TryReadOptions"/>;
/// null when the option is absent.
/// </summary>
public readonly record struct TcpOptionSet
{
    /// <summary>Maximum Segment Size (RFC 9293 §3.7.1).</summary>
    public ushort? MaximumSegmentSize { get; init; }

    /// <summary>Window Scale shift count (RFC 7323 §2).</summary>
    public byte? WindowScale { get; init; }

    /// <summary>SACK Permitted was present (RFC 2018 §2).</summary>
    public bool SackPermitted { get; init; }

    /// <summary>TSval and TSecr (RFC 7323 §3).</summary>
    public (uint Value, uint EchoReply)? Timestamps { get; init; }

    /// <summary>Number of SACK options seen (RFC 2018 §3); their blocks are read with <see cref="TcpOptionReader"/>.</summary>
    public int SackOptionCount { get; init; }
}
