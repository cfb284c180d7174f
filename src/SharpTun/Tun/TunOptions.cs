namespace SharpTun.Tun;

/// <summary>How to create or attach to a Linux TUN device (see <see cref="LinuxTunDevice.Create"/>).</summary>
public sealed record TunOptions
{
    /// <summary>Most queues one TUN device can have (MAX_TAP_QUEUES in drivers/net/tun.c).</summary>
    public const int MaxQueues = 256;

    /// <summary>
    /// The interface name, 1-15 bytes, or a kernel pattern such as <c>st%d</c> (the kernel picks the
    /// first free number; <see cref="LinuxTunDevice.Name"/> holds the result).
    /// </summary>
    public required string Name { get; init; }

    /// <summary>Number of queues (file descriptors). More than one sets IFF_MULTI_QUEUE.</summary>
    public int Queues { get; init; } = 1;

    /// <summary>
    /// How long a reader keeps trying non-blocking reads after the queue runs empty before it sleeps
    /// in poll(). Zero (the default) sleeps at once. A short window saves the wake-up of a sleeping
    /// thread when the next packet is a reply that is already on its way (a request/response flow),
    /// at the price of a busy core during that window.
    /// </summary>
    public TimeSpan BusyPoll { get; init; }

    /// <summary>
    /// Open with IFF_VNET_HDR and TUNSETOFFLOAD (checksum, TSO over IPv4 and IPv6): every packet
    /// carries a <see cref="VirtioNetHeader"/> in <see cref="PacketBuffer.Offload"/>, reads may return
    /// TCP super-packets of up to <see cref="VirtioNetHeader.LargestPacket"/> bytes with partial
    /// checksums, and such packets can be written back as they are. Only for readers that handle
    /// both (the proxy's NAT does; a VPN would have to segment).
    /// </summary>
    public bool Offload { get; init; }

    /// <summary>Keep the device after the last descriptor closes (TUNSETPERSIST).</summary>
    public bool Persist { get; init; }

    /// <summary>User allowed to attach without CAP_NET_ADMIN (TUNSETOWNER).</summary>
    public uint? Owner { get; init; }

    /// <summary>Group allowed to attach without CAP_NET_ADMIN (TUNSETGROUP).</summary>
    public uint? Group { get; init; }
}
