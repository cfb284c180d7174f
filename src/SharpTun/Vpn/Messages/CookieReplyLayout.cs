namespace SharpTun.Vpn.Messages;

/// <summary>
/// Cookie reply, 64 bytes (paper §5.4.7):
/// <code>
/// 0      type = 3, 3 reserved zero bytes
/// 4      receiver index (LE): the sender index of the message that is answered
/// 8      nonce (24)
/// 32     encrypted cookie (16 + 16 tag)
/// </code>
/// </summary>
public static class CookieReplyLayout
{
    public const int Receiver = 4, Nonce = 8, EncryptedCookie = 32, Length = 64;
}
