using System.Security.Cryptography;
using SharpTun.Vpn.Crypto;
using SharpTun.Vpn.Messages;

namespace SharpTun.Vpn.Noise;

/// <summary>
/// The sending side of paper §5.4.4 for one peer: adds mac1 (keyed with the peer's public key) to
/// every handshake message, and mac2 while a cookie the peer sent is younger than two minutes.
/// Thread-safe.
/// </summary>
internal sealed class CookieGenerator
{
    private readonly Lock _lock = new();
    private readonly byte[] _mac1Key;
    private readonly byte[] _cookieKey;
    private readonly byte[] _lastMac1 = new byte[MacLayout.MacLength];
    private readonly byte[] _cookie = new byte[MacLayout.MacLength];
    private bool _hasLastMac1;
    private TimeSpan? _cookieReceived;

    public CookieGenerator(WireGuardKey remoteStatic)
    {
        _mac1Key = NoiseConstants.LabelledKey(NoiseConstants.LabelMac1, remoteStatic);
        _cookieKey = NoiseConstants.LabelledKey(NoiseConstants.LabelCookie, remoteStatic);
    }

    /// <summary>Fills the last 32 bytes of a handshake message with mac1 and mac2 (zero without a fresh cookie).</summary>
    public void AddMacs(Span<byte> message, TimeSpan now)
    {
        var mac1Offset = MacLayout.Mac1Offset(message.Length);
        var mac2Offset = MacLayout.Mac2Offset(message.Length);
        lock (_lock)
        {
            Blake2s.Mac(_mac1Key, message[..mac1Offset], message.Slice(mac1Offset, MacLayout.MacLength));
            message.Slice(mac1Offset, MacLayout.MacLength).CopyTo(_lastMac1);
            _hasLastMac1 = true;
            if (_cookieReceived is { } received && now - received < Protocol.CookieRefreshTime)
                Blake2s.Mac(_cookie, message[..mac2Offset], message.Slice(mac2Offset, MacLayout.MacLength));
            else
                message.Slice(mac2Offset, MacLayout.MacLength).Clear();
        }
    }

    /// <summary>
    /// Takes the cookie from a cookie reply to the last message we sent (its mac1 is the
    /// associated data). False when it does not decrypt, or no message is awaiting one.
    /// </summary>
    public bool ConsumeReply(ReadOnlySpan<byte> reply, TimeSpan now)
    {
        if (reply.Length != CookieReplyLayout.Length)
            return false;
        Span<byte> cookie = stackalloc byte[MacLayout.MacLength];
        lock (_lock)
        {
            if (!_hasLastMac1)
                return false;
            var nonce = reply.Slice(CookieReplyLayout.Nonce, XChaCha20Poly1305.NonceLength);
            var encrypted = reply.Slice(CookieReplyLayout.EncryptedCookie, MacLayout.MacLength);
            var tag = reply.Slice(CookieReplyLayout.EncryptedCookie + MacLayout.MacLength, XChaCha20Poly1305.TagLength);
            if (!XChaCha20Poly1305.TryDecrypt(_cookieKey, nonce, encrypted, tag, cookie, _lastMac1))
                return false;
            cookie.CopyTo(_cookie);
            _cookieReceived = now;
            _hasLastMac1 = false;
            CryptographicOperations.ZeroMemory(cookie);
            return true;
        }
    }
}
