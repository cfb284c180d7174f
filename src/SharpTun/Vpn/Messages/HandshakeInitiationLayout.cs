namespace SharpTun.Vpn.Messages;

/// <summary>
/// Handshake initiation, 148 bytes (paper §5.4.2):
/// <code>
/// 0      type = 1, 3 reserved zero bytes
/// 4      sender index (LE)
/// 8      unencrypted ephemeral (32)
/// 40     encrypted static (32 + 16 tag)
/// 88     encrypted timestamp (12 + 16 tag)
/// 116    mac1 (16)
/// 132    mac2 (16)
/// </code>
/// </summary>
public static class HandshakeInitiationLayout
{
    public const int Sender = 4, Ephemeral = 8, EncryptedStatic = 40, EncryptedTimestamp = 88, Mac1 = 116, Mac2 = 132, Length = 148;
}
