using System.Security.Cryptography;
using SharpTun.Vpn.Crypto;
using SharpTun.Vpn.Messages;

namespace SharpTun.Vpn.Noise;

/// <summary>
/// The receiving side of paper §5.4.4 and §5.4.7 for the local interface: checks mac1 on every
/// handshake message and, under load, mac2, whose key is a cookie bound to the sender's address
/// (MAC of the address under a secret that changes every two minutes); answers messages without a
/// valid mac2 with an encrypted cookie. Thread-safe.
/// </summary>
internal sealed class CookieChecker
{
    private readonly Lock _lock = new();
    private readonly StaticIdentity _local;
    private readonly byte[] _secret = new byte[32];
    private TimeSpan? _secretCreated;

    public CookieChecker(StaticIdentity local) => _local = local;

    public bool CheckMac1(ReadOnlySpan<byte> message)
    {
        var offset = MacLayout.Mac1Offset(message.Length);
        Span<byte> mac = stackalloc byte[MacLayout.MacLength];
        Blake2s.Mac(_local.Mac1Key, message[..offset], mac);
        return CryptographicOperations.FixedTimeEquals(mac, message.Slice(offset, MacLayout.MacLength));
    }

    /// <summary>True when mac2 was made with the cookie of <paramref name="source"/> under the current secret.</summary>
    public bool CheckMac2(ReadOnlySpan<byte> message, ReadOnlySpan<byte> source, TimeSpan now)
    {
        var offset = MacLayout.Mac2Offset(message.Length);
        Span<byte> cookie = stackalloc byte[MacLayout.MacLength];
        lock (_lock)
        {
            if (_secretCreated is not { } created || now - created > Protocol.CookieRefreshTime)
                return false;
            Blake2s.Mac(_secret, source, cookie);
        }
        Span<byte> mac = stackalloc byte[MacLayout.MacLength];
        Blake2s.Mac(cookie, message[..offset], mac);
        return CryptographicOperations.FixedTimeEquals(mac, message.Slice(offset, MacLayout.MacLength));
    }

    /// <summary>Writes the 64-byte cookie reply to <paramref name="message"/> (a handshake message from <paramref name="source"/>).</summary>
    public void CreateReply(ReadOnlySpan<byte> message, uint receiverIndex, ReadOnlySpan<byte> source, TimeSpan now, Span<byte> reply)
    {
        Span<byte> cookie = stackalloc byte[MacLayout.MacLength];
        lock (_lock)
        {
            if (_secretCreated is not { } created || now - created > Protocol.CookieRefreshTime)
            {
                RandomNumberGenerator.Fill(_secret);
                _secretCreated = now;
            }
            Blake2s.Mac(_secret, source, cookie);
        }
        reply[..CookieReplyLayout.Length].Clear();
        WireGuardMessage.WriteType(reply, MessageType.CookieReply);
        WireGuardMessage.WriteIndex(reply, CookieReplyLayout.Receiver, receiverIndex);
        var nonce = reply.Slice(CookieReplyLayout.Nonce, XChaCha20Poly1305.NonceLength);
        RandomNumberGenerator.Fill(nonce);
        var mac1 = message.Slice(MacLayout.Mac1Offset(message.Length), MacLayout.MacLength);
        XChaCha20Poly1305.Encrypt(_local.CookieKey, nonce, cookie,
            reply.Slice(CookieReplyLayout.EncryptedCookie, MacLayout.MacLength),
            reply.Slice(CookieReplyLayout.EncryptedCookie + MacLayout.MacLength, XChaCha20Poly1305.TagLength), mac1);
        CryptographicOperations.ZeroMemory(cookie);
    }
}
