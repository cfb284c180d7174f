using System.Security.Cryptography;

namespace SharpTun.Vpn.Transport;

/// <summary>
/// <see cref="TransportCipher"/> on the base library's <c>ChaCha20Poly1305</c>, where OpenSSL 3's
/// libcrypto cannot be called directly. A forged message costs an exception here (the base library
/// reports a bad tag only by throwing).
/// </summary>
internal sealed class BaseLibraryTransportCipher(ReadOnlySpan<byte> key) : TransportCipher
{
    private readonly ChaCha20Poly1305 _aead = new(key);

    public override void Seal(ReadOnlySpan<byte> nonce, Span<byte> text, Span<byte> tag) =>
        _aead.Encrypt(nonce, text, text, tag);

    public override bool Open(ReadOnlySpan<byte> nonce, Span<byte> text, ReadOnlySpan<byte> tag)
    {
        try
        {
            _aead.Decrypt(nonce, text, tag, text);
            return true;
        }
        catch (AuthenticationTagMismatchException)
        {
            return false;
        }
    }

    public override void Dispose() => _aead.Dispose();
}
