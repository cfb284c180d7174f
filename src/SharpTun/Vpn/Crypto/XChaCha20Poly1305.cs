using System.Security.Cryptography;

namespace SharpTun.Vpn.Crypto;

/// <summary>
/// AEAD_XChaCha20_Poly1305 (draft-irtf-cfrg-xchacha-03 §2.3): HChaCha20 of the key and the first
/// 16 nonce bytes gives a subkey; ChaCha20-Poly1305 then runs with that subkey and the nonce
/// 0x00000000 || the last 8 nonce bytes. WireGuard uses it for cookie replies (paper §5.4.7).
/// </summary>
internal static class XChaCha20Poly1305
{
    public const int NonceLength = 24;
    public const int TagLength = 16;

    public static void Encrypt(ReadOnlySpan<byte> key, ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> plaintext, Span<byte> ciphertext, Span<byte> tag, ReadOnlySpan<byte> associatedData)
    {
        Span<byte> subkey = stackalloc byte[32];
        Span<byte> shortNonce = stackalloc byte[12];
        Prepare(key, nonce, subkey, shortNonce);
        using (var aead = new ChaCha20Poly1305(subkey))
            aead.Encrypt(shortNonce, plaintext, ciphertext, tag, associatedData);
        subkey.Clear();
    }

    /// <summary>False when the tag does not verify (nothing is thrown for a forged message).</summary>
    public static bool TryDecrypt(ReadOnlySpan<byte> key, ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> ciphertext, ReadOnlySpan<byte> tag, Span<byte> plaintext, ReadOnlySpan<byte> associatedData)
    {
        Span<byte> subkey = stackalloc byte[32];
        Span<byte> shortNonce = stackalloc byte[12];
        Prepare(key, nonce, subkey, shortNonce);
        try
        {
            using var aead = new ChaCha20Poly1305(subkey);
            aead.Decrypt(shortNonce, ciphertext, tag, plaintext, associatedData);
            return true;
        }
        catch (AuthenticationTagMismatchException)
        {
            return false;
        }
        finally
        {
            subkey.Clear();
        }
    }

    private static void Prepare(ReadOnlySpan<byte> key, ReadOnlySpan<byte> nonce, Span<byte> subkey, Span<byte> shortNonce)
    {
        if (nonce.Length != NonceLength)
            throw new ArgumentException($"XChaCha20-Poly1305 takes a {NonceLength}-byte nonce", nameof(nonce));
        HChaCha20.DeriveSubkey(key, nonce[..16], subkey);
        shortNonce[..4].Clear();
        nonce[16..].CopyTo(shortNonce[4..]);
    }
}
