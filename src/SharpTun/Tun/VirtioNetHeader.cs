using System.Buffers.Binary;

namespace SharpTun.Tun;

/// <summary>
/// The offload header (struct virtio_net_hdr, include/uapi/linux/virtio_net.h) that a TUN opened with
/// <see cref="TunOptions.Offload"/> puts in front of every packet read or written. It says whether
/// the transport checksum is still to be finished (<see cref="NeedsChecksum"/>: the checksum field
/// holds only the pseudo-header sum, and the sum over <see cref="ChecksumStart"/>.. is added later),
/// and whether the packet is a TCP super-packet (<see cref="GsoType"/>) to be cut into segments of
/// <see cref="GsoSize"/> payload bytes. The kernel does both on packets it reads back from us
/// (virtio_net_hdr_to_skb), so a packet passed through with its header unchanged costs no checksum
/// pass and no segmentation in user space. <c>default</c> means a plain packet with full checksums.
/// The fields are little-endian on the wire (we set TUNSETVNETLE).
/// </summary>
public readonly record struct VirtioNetHeader(byte Flags, byte GsoType, ushort HeaderLength, ushort GsoSize, ushort ChecksumStart, ushort ChecksumOffset)
{
    /// <summary>sizeof(struct virtio_net_hdr): the TUN default (TUNSETVNETHDRSZ is not changed).</summary>
    public const int Size = 10;

    /// <summary>VIRTIO_NET_HDR_F_NEEDS_CSUM.</summary>
    public const byte FlagNeedsChecksum = 1;

    /// <summary>VIRTIO_NET_HDR_F_DATA_VALID: the checksum was verified (set by the kernel on reads; ignored on writes).</summary>
    public const byte FlagDataValid = 2;

    /// <summary>VIRTIO_NET_HDR_GSO_* values.</summary>
    public const byte GsoNone = 0, GsoTcpV4 = 1, GsoTcpV6 = 4, GsoEcn = 0x80;

    /// <summary>
    /// The longest packet a read can return with TSO on: the kernel's GSO limit for a TUN is 64 KiB
    /// (GSO_LEGACY_MAX_SIZE), and an IPv6 packet's 40-byte header is not counted in its 16-bit
    /// payload length, so buffers of this size never truncate.
    /// </summary>
    public const int LargestPacket = 65535 + 40;

    /// <summary>The transport checksum holds the pseudo-header sum only; the kernel completes it.</summary>
    public bool NeedsChecksum => (Flags & FlagNeedsChecksum) != 0;

    /// <summary>A super-packet the kernel will segment (TCP over IPv4 or IPv6).</summary>
    public bool IsGso => (GsoType & ~GsoEcn) != GsoNone;

    /// <summary>Reads a header from the first <see cref="Size"/> bytes.</summary>
    public static VirtioNetHeader Read(ReadOnlySpan<byte> source) => new(
        source[0], source[1],
        BinaryPrimitives.ReadUInt16LittleEndian(source[2..]), BinaryPrimitives.ReadUInt16LittleEndian(source[4..]),
        BinaryPrimitives.ReadUInt16LittleEndian(source[6..]), BinaryPrimitives.ReadUInt16LittleEndian(source[8..]));

    /// <summary>Writes the header into the first <see cref="Size"/> bytes.</summary>
    public void Write(Span<byte> destination)
    {
        destination[0] = Flags;
        destination[1] = GsoType;
        BinaryPrimitives.WriteUInt16LittleEndian(destination[2..], HeaderLength);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[4..], GsoSize);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[6..], ChecksumStart);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[8..], ChecksumOffset);
    }
}
