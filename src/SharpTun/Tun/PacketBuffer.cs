namespace SharpTun.Tun;

/// <summary>
/// One reusable packet buffer with free space (headroom) in front of the packet, so a layer can
/// prepend a header (e.g. WireGuard's 16-byte data header) in place. Rent these once per reader
/// loop and reuse them; never allocate one per packet. Size the capacity to at least
/// <c>MTU + headroom</c>: a TUN read of a packet longer than the space after the headroom is cut short.
/// </summary>
public sealed class PacketBuffer
{
    public const int DefaultHeadroom = 64;

    public PacketBuffer(int capacity, int headroom = DefaultHeadroom)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(headroom);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(capacity, headroom);
        Array = new byte[capacity];
        Headroom = headroom;
        Offset = headroom;
    }

    /// <summary>The whole backing array, headroom included.</summary>
    public byte[] Array { get; }

    /// <summary>Bytes reserved in front of the packet.</summary>
    public int Headroom { get; }

    /// <summary>Start of the packet in <see cref="Array"/> (<see cref="Headroom"/> after a read).</summary>
    public int Offset { get; set; }

    /// <summary>Length of the packet in bytes.</summary>
    public int Length { get; set; }

    /// <summary>
    /// The offload header read with the packet, or to write with it (queues opened with
    /// <see cref="TunOptions.Offload"/>; <c>default</c>, a plain packet with full checksums, otherwise).
    /// Whoever builds a new packet in a buffer resets it.
    /// </summary>
    public VirtioNetHeader Offload { get; set; }

    /// <summary>The packet: <c>Array.AsSpan(Offset, Length)</c>.</summary>
    public Span<byte> Packet => Array.AsSpan(Offset, Length);

    /// <summary>The space a read may fill: everything after the headroom.</summary>
    public Span<byte> ReadSpace => Array.AsSpan(Headroom);
}
