namespace SharpTun.Vpn.Messages;

/// <summary>
/// Handshake response, 92 bytes (paper §5.4.3):
/// <code>
/// 0      type = 2, 3 reserved zero bytes
/// 4      sender index (LE)
/// 8      receiver index (LE): the initiator's sender index
/// 12     unencrypted ephemeral (32)
/// 44     encrypted nothing (0 + 16 tag)
/// 60     mac1 (16)
/// 76     mac2 (16)
/// </code>
/// </summary>
public static class HandshakeResponseLayout
{
    public const int Sender = 4, Receiver = 8, Ephemeral = 12, EncryptedNothing = 44, Mac1 = 60, Mac2 = 76, Length = 92;
}
