namespace SharpTun.Vpn.Messages;

/// <summary>
/// Transport data message (paper §5.4.6):
/// <code>
/// 0      type = 4, 3 reserved zero bytes
/// 4      receiver index (LE)
/// 8      counter (64-bit LE), also the AEAD nonce
/// 16     encrypted packet (padded to 16 bytes) + 16-byte tag
/// </code>
/// An empty encrypted packet is a keepalive.
/// </summary>
public static class TransportDataLayout
{
    public const int Receiver = 4, Counter = 8, HeaderLength = 16, TagLength = 16, MinimumLength = HeaderLength + TagLength;

    /// <summary>Plaintext is padded to a multiple of this (paper §5.4.6).</summary>
    public const int PaddingMultiple = 16;
}
