using System.Buffers.Binary;

namespace SharpTun.Modify;

/// <summary>
/// Writes packets to a classic libpcap file with link type LINKTYPE_RAW (101): each record is a bare
/// IPv4 or IPv6 packet, which is exactly what a TUN device carries, so Wireshark and
/// <c>tshark -r</c> decode it directly. Format: https://www.tcpdump.org/manpages/pcap-savefile.5.html.
/// Thread-safe; a record is never split between writers. Writing allocates nothing.
/// </summary>
public sealed class PcapWriter : IDisposable
{
    /// <summary>Magic number for microsecond timestamps, written in our (little-endian) byte order.</summary>
    private const uint MagicMicroseconds = 0xa1b2c3d4;

    /// <summary>LINKTYPE_RAW: the packet begins with an IPv4 or IPv6 header.</summary>
    public const uint LinkTypeRaw = 101;

    private const int GlobalHeaderLength = 24;
    private const int RecordHeaderLength = 16;

    private readonly Stream _stream;
    private readonly TimeProvider _time;
    private readonly Lock _gate = new();

    /// <summary>Largest number of bytes kept of one packet; longer packets are truncated in the file.</summary>
    public int SnapLength { get; }

    /// <summary>Number of packet records written so far.</summary>
    public long PacketCount { get; private set; }

    public PcapWriter(Stream stream, int snapLength = 262_144, TimeProvider? time = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(snapLength, 1);
        _stream = stream;
        _time = time ?? TimeProvider.System;
        SnapLength = snapLength;
        Span<byte> header = stackalloc byte[GlobalHeaderLength];
        BinaryPrimitives.WriteUInt32LittleEndian(header, MagicMicroseconds);
        BinaryPrimitives.WriteUInt16LittleEndian(header[4..], 2); // version 2.4
        BinaryPrimitives.WriteUInt16LittleEndian(header[6..], 4);
        BinaryPrimitives.WriteInt32LittleEndian(header[8..], 0); // thiszone: timestamps are UTC
        BinaryPrimitives.WriteUInt32LittleEndian(header[12..], 0); // sigfigs
        BinaryPrimitives.WriteInt32LittleEndian(header[16..], snapLength);
        BinaryPrimitives.WriteUInt32LittleEndian(header[20..], LinkTypeRaw);
        _stream.Write(header);
    }

    /// <summary>Creates (or truncates) <paramref name="path"/> and writes the file header.</summary>
    /// <exception cref="IOException">The file cannot be created; the message names the path.</exception>
    public static PcapWriter Create(string path, int snapLength = 262_144)
    {
        FileStream stream;
        try
        {
            stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.Read, bufferSize: 1 << 16);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new IOException($"cannot create pcap file '{path}': {e.Message}", e);
        }
        return new PcapWriter(stream, snapLength);
    }

    /// <summary>Appends one packet record stamped with the current time.</summary>
    public void Write(ReadOnlySpan<byte> packet)
    {
        var now = _time.GetUtcNow();
        var unixMicroseconds = (now.UtcTicks - DateTime.UnixEpoch.Ticks) / TimeSpan.TicksPerMicrosecond;
        var captured = Math.Min(packet.Length, SnapLength);
        Span<byte> record = stackalloc byte[RecordHeaderLength];
        BinaryPrimitives.WriteUInt32LittleEndian(record, (uint)(unixMicroseconds / 1_000_000));
        BinaryPrimitives.WriteUInt32LittleEndian(record[4..], (uint)(unixMicroseconds % 1_000_000));
        BinaryPrimitives.WriteInt32LittleEndian(record[8..], captured);
        BinaryPrimitives.WriteInt32LittleEndian(record[12..], packet.Length);
        lock (_gate)
        {
            _stream.Write(record);
            _stream.Write(packet[..captured]);
            PacketCount++;
        }
    }

    /// <summary>Pushes buffered records to the file so that readers see them while we run.</summary>
    public void Flush()
    {
        lock (_gate)
            _stream.Flush();
    }

    public void Dispose()
    {
        lock (_gate)
            _stream.Dispose();
    }
}
