using System.Buffers.Binary;

namespace SharpTun.Wire;

/// <summary>
/// Writes TCP options into a span (RFC 9293 §3.1), for building a SYN or SYN-ACK; finish with
/// <see cref="PadToWordBoundary"/> so that Data Offset can describe the options.
/// </summary>
public ref struct TcpOptionWriter
{
    /// <summary>Largest options area: Data Offset 15 words minus the 20-byte fixed header.</summary>
    public const int MaximumLength = 40;

    private readonly Span<byte> _destination;

    public TcpOptionWriter(Span<byte> destination)
    {
        _destination = destination;
        Length = 0;
    }

    /// <summary>Bytes written so far.</summary>
    public int Length { get; private set; }

    /// <summary>The bytes written so far.</summary>
    public readonly ReadOnlySpan<byte> Written => _destination[..Length];

    /// <summary>Maximum Segment Size, 4 bytes (RFC 9293 §3.7.1).</summary>
    public void WriteMaximumSegmentSize(ushort mss)
    {
        var option = Reserve(TcpOptionKind.MaximumSegmentSize, 4);
        BinaryPrimitives.WriteUInt16BigEndian(option, mss);
    }

    /// <summary>Window Scale, 3 bytes (RFC 7323 §2.2).</summary>
    public void WriteWindowScale(byte shift) => Reserve(TcpOptionKind.WindowScale, 3)[0] = shift;

    /// <summary>SACK Permitted, 2 bytes (RFC 2018 §2).</summary>
    public void WriteSackPermitted() => Reserve(TcpOptionKind.SackPermitted, 2);

    /// <summary>Timestamps, 10 bytes (RFC 7323 §3.2).</summary>
    public void WriteTimestamps(uint value, uint echoReply)
    {
        var option = Reserve(TcpOptionKind.Timestamps, 10);
        BinaryPrimitives.WriteUInt32BigEndian(option, value);
        BinaryPrimitives.WriteUInt32BigEndian(option[4..], echoReply);
    }

    /// <summary>One No-Operation byte, to align the next option.</summary>
    public void WriteNoOperation()
    {
        EnsureRoom(1);
        _destination[Length++] = (byte)TcpOptionKind.NoOperation;
    }

    /// <summary>Appends No-Operation bytes up to a multiple of 4 and returns the final length.</summary>
    public int PadToWordBoundary()
    {
        while ((Length & 3) != 0)
            WriteNoOperation();
        return Length;
    }

    private Span<byte> Reserve(TcpOptionKind kind, int length)
    {
        EnsureRoom(length);
        _destination[Length] = (byte)kind;
        _destination[Length + 1] = (byte)length;
        var data = _destination.Slice(Length + 2, length - 2);
        Length += length;
        return data;
    }

    private readonly void EnsureRoom(int length)
    {
        if (Length + length > Math.Min(_destination.Length, MaximumLength))
            throw new ArgumentException($"TCP options need {Length + length} bytes but the area holds {Math.Min(_destination.Length, MaximumLength)}");
    }
}
