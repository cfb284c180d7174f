namespace SharpTun.Wire;

/// <summary>Dispatch on the raw bytes read from a TUN device, before choosing a packet view.</summary>
public static class IpPacket
{
    /// <summary>The version in the high nibble of the first byte; <see cref="IpVersion.Unknown"/> for anything but 4 and 6.</summary>
    public static IpVersion GetVersion(ReadOnlySpan<byte> packet)
    {
        if (packet.IsEmpty)
            return IpVersion.Unknown;
        return (packet[0] >> 4) switch
        {
            4 => IpVersion.V4,
            6 => IpVersion.V6,
            _ => IpVersion.Unknown,
        };
    }
}
