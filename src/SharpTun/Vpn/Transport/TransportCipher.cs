namespace SharpTun.Vpn.Transport;

/// <summary>
/// One transport key's ChaCha20-Poly1305 (RFC 8439), as the data path uses it (paper §5.4.6): a
/// 12-byte nonce, no associated data, the message encrypted or decrypted in place, a 16-byte tag.
/// Not safe for concurrent use; <see cref="Keypair"/> holds a lock per direction.
/// </summary>
internal abstract class TransportCipher : IDisposable
{
    /// <summary>
    /// A cipher for <paramref name="key"/>: on a kept OpenSSL context where libcrypto.so.3 is
    /// available (no per-message key setup), otherwise the base library's <c>ChaCha20Poly1305</c>.
    /// </summary>
    public static TransportCipher Create(ReadOnlySpan<byte> key) =>
        Interop.LibCrypto.IsAvailable ? new OpenSslTransportCipher(key) : new BaseLibraryTransportCipher(key);

    /// <summary>Encrypts <paramref name="text"/> in place and writes its tag.</summary>
    public abstract void Seal(ReadOnlySpan<byte> nonce, Span<byte> text, Span<byte> tag);

    /// <summary>
    /// Checks <paramref name="tag"/> and decrypts <paramref name="text"/> in place; false when the
    /// message is forged or corrupt (<paramref name="text"/> then holds garbage and must be dropped).
    /// </summary>
    public abstract bool Open(ReadOnlySpan<byte> nonce, Span<byte> text, ReadOnlySpan<byte> tag);

    public abstract void Dispose();
}
