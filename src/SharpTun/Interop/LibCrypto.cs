using System.Runtime.InteropServices;

namespace SharpTun.Interop;

/// <summary>
/// The few OpenSSL 3 EVP calls that seal and open ChaCha20-Poly1305 on a cipher context that keeps
/// its key between messages. The base library's <c>ChaCha20Poly1305</c> runs on the same libcrypto
/// but sets the key and clears OpenSSL's error queue on every call: on a 1,420-byte packet that fixed
/// cost is most of the time (measured here: about 1.5 us a seal through the base library, about 1.1
/// us on a kept context; docs/benchmarks.md, "VPN"). Only blittable arguments; where libcrypto.so.3
/// is missing the first call throws <see cref="DllNotFoundException"/> (see <see cref="IsAvailable"/>).
/// </summary>
internal static unsafe partial class LibCrypto
{
    private const string Library = "libcrypto.so.3";

    /// <summary>EVP_CTRL_AEAD_GET_TAG and EVP_CTRL_AEAD_SET_TAG (openssl/evp.h).</summary>
    public const int EVP_CTRL_AEAD_GET_TAG = 0x10, EVP_CTRL_AEAD_SET_TAG = 0x11;

    /// <summary>True when libcrypto.so.3 loads and has ChaCha20-Poly1305 (OpenSSL 3; Debian 12, Ubuntu 22.04, RHEL 9 and later).</summary>
    public static bool IsAvailable { get; } = Probe();

    private static bool Probe()
    {
        try
        {
            return EVP_chacha20_poly1305() != 0;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return false;
        }
    }

    [LibraryImport(Library)]
    public static partial nint EVP_CIPHER_CTX_new();

    [LibraryImport(Library)]
    public static partial void EVP_CIPHER_CTX_free(nint context);

    [LibraryImport(Library)]
    public static partial nint EVP_chacha20_poly1305();

    /// <summary>EVP_CipherInit_ex(3): a null cipher or key keeps the context's; <paramref name="encrypt"/> 1 seals, 0 opens.</summary>
    [LibraryImport(Library)]
    public static partial int EVP_CipherInit_ex(nint context, nint cipher, nint engine, byte* key, byte* iv, int encrypt);

    [LibraryImport(Library)]
    public static partial int EVP_CipherUpdate(nint context, byte* output, int* outputLength, byte* input, int inputLength);

    /// <summary>Computes the tag (sealing) or checks the one set with EVP_CTRL_AEAD_SET_TAG (opening: 0 when it does not match).</summary>
    [LibraryImport(Library)]
    public static partial int EVP_CipherFinal_ex(nint context, byte* output, int* outputLength);

    [LibraryImport(Library)]
    public static partial int EVP_CIPHER_CTX_ctrl(nint context, int type, int argument, byte* pointer);
}
