using System.Security.Cryptography;
using SharpTun.Interop;

namespace SharpTun.Vpn.Transport;

/// <summary>
/// <see cref="TransportCipher"/> on one OpenSSL EVP context that keeps its key: each message only
/// sets the nonce (which restarts ChaCha20 and Poly1305), runs the cipher over the text and produces
/// or checks the tag. The tag check is OpenSSL's constant-time comparison; a forged message returns
/// false without an exception.
/// </summary>
internal sealed unsafe class OpenSslTransportCipher : TransportCipher
{
    private const int KeyLength = 32, NonceLength = 12, TagLength = 16;
    private const int Encrypt = 1, Decrypt = 0;

    private readonly EvpCipherContextHandle _context;

    public OpenSslTransportCipher(ReadOnlySpan<byte> key)
    {
        if (key.Length != KeyLength)
            throw new ArgumentException($"a ChaCha20-Poly1305 key has {KeyLength} bytes, not {key.Length}", nameof(key));
        _context = EvpCipherContextHandle.Create();
        int accepted;
        fixed (byte* keyBytes = key)
            accepted = LibCrypto.EVP_CipherInit_ex(_context.DangerousGetHandle(), LibCrypto.EVP_chacha20_poly1305(), 0, keyBytes, null, Encrypt);
        if (accepted != 1)
        {
            _context.Dispose();
            throw new CryptographicException("OpenSSL refused the ChaCha20-Poly1305 key (EVP_CipherInit_ex)");
        }
    }

    public override void Seal(ReadOnlySpan<byte> nonce, Span<byte> text, Span<byte> tag)
    {
        CheckLengths(nonce, tag);
        ObjectDisposedException.ThrowIf(_context.IsClosed, this);
        var context = _context.DangerousGetHandle();
        byte finalOutput;
        int length;
        fixed (byte* nonceBytes = nonce)
        fixed (byte* textBytes = text)
        fixed (byte* tagBytes = tag)
        {
            if (LibCrypto.EVP_CipherInit_ex(context, 0, 0, null, nonceBytes, Encrypt) != 1
                || (text.Length > 0 && LibCrypto.EVP_CipherUpdate(context, textBytes, &length, textBytes, text.Length) != 1)
                || LibCrypto.EVP_CipherFinal_ex(context, &finalOutput, &length) != 1
                || LibCrypto.EVP_CIPHER_CTX_ctrl(context, LibCrypto.EVP_CTRL_AEAD_GET_TAG, TagLength, tagBytes) != 1)
                throw new CryptographicException("OpenSSL failed to seal a ChaCha20-Poly1305 message");
        }
    }

    public override bool Open(ReadOnlySpan<byte> nonce, Span<byte> text, ReadOnlySpan<byte> tag)
    {
        CheckLengths(nonce, tag);
        if (_context.IsClosed)
            return false;
        var context = _context.DangerousGetHandle();
        byte finalOutput;
        int length;
        fixed (byte* nonceBytes = nonce)
        fixed (byte* textBytes = text)
        fixed (byte* tagBytes = tag)
        {
            // The tag is set before the final call, which compares it (EVP_EncryptInit(3), "AEAD Interface").
            return LibCrypto.EVP_CipherInit_ex(context, 0, 0, null, nonceBytes, Decrypt) == 1
                && (text.Length == 0 || LibCrypto.EVP_CipherUpdate(context, textBytes, &length, textBytes, text.Length) == 1)
                && LibCrypto.EVP_CIPHER_CTX_ctrl(context, LibCrypto.EVP_CTRL_AEAD_SET_TAG, TagLength, tagBytes) == 1
                && LibCrypto.EVP_CipherFinal_ex(context, &finalOutput, &length) == 1;
        }
    }

    public override void Dispose() => _context.Dispose();

    private static void CheckLengths(ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> tag)
    {
        if (nonce.Length != NonceLength || tag.Length != TagLength)
            ThrowBadLengths(nonce.Length, tag.Length);
    }

    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    private static void ThrowBadLengths(int nonce, int tag) =>
        throw new ArgumentException($"ChaCha20-Poly1305 takes a {NonceLength}-byte nonce and a {TagLength}-byte tag, not {nonce} and {tag}");
}
