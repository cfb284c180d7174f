using System.Buffers.Binary;

namespace SharpTun.Wire;

/// <summary>
/// The fields of a TCP header (RFC 9293 §3.1), to build one in a single call with <see cref="Emit"/>.
/// </summary>
public readonly record struct TcpHeader
{
    public ushort SourcePort { get; init; }

    public ushort DestinationPort { get; init; }

    public uint SequenceNumber { get; init; }

    public uint AcknowledgmentNumber { get; init; }

    public TcpFlags Flags { get; init; }

    public ushort WindowSize { get; init; }

    public ushort UrgentPointer { get; init; }

    /// <summary>
    /// Writes the header followed by <paramref name="options"/> (a multiple of 4 bytes, at most 40,
    /// e.g. from <see cref="TcpOptionWriter"/>) and returns the header length. The Checksum field is
    /// left zero: write the payload, then call <see cref="TcpSegment.UpdateChecksum"/>.
    /// </summary>
    /// <exception cref="ArgumentException">The options have a bad length or the destination is too short.</exception>
    public int Emit(Span<byte> destination, ReadOnlySpan<byte> options = default)
    {
        if ((options.Length & 3) != 0 || options.Length > TcpOptionWriter.MaximumLength)
            throw new ArgumentException($"TCP options must be a multiple of 4 bytes up to 40, not {options.Length}", nameof(options));
        int headerLength = TcpSegment.MinimumHeaderLength + options.Length;
        ArgumentOutOfRangeException.ThrowIfLessThan(destination.Length, headerLength, nameof(destination));

        BinaryPrimitives.WriteUInt16BigEndian(destination, SourcePort);
        BinaryPrimitives.WriteUInt16BigEndian(destination[TcpSegment.Field.DestinationPort..], DestinationPort);
        BinaryPrimitives.WriteUInt32BigEndian(destination[TcpSegment.Field.SequenceNumber..], SequenceNumber);
        BinaryPrimitives.WriteUInt32BigEndian(destination[TcpSegment.Field.AcknowledgmentNumber..], AcknowledgmentNumber);
        destination[TcpSegment.Field.DataOffset] = (byte)(headerLength / 4 << 4);
        destination[TcpSegment.Field.Flags] = (byte)Flags;
        BinaryPrimitives.WriteUInt16BigEndian(destination[TcpSegment.Field.WindowSize..], WindowSize);
        BinaryPrimitives.WriteUInt16BigEndian(destination[TcpSegment.Field.Checksum..], 0);
        BinaryPrimitives.WriteUInt16BigEndian(destination[TcpSegment.Field.UrgentPointer..], UrgentPointer);
        options.CopyTo(destination[TcpSegment.Field.Options..]);
        return headerLength;
    }
}
