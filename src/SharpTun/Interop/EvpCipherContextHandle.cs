using System.Runtime.InteropServices;

namespace SharpTun.Interop;

/// <summary>Owns an OpenSSL EVP_CIPHER_CTX; freeing it also wipes the key it holds (EVP_CIPHER_CTX_free(3)).</summary>
internal sealed class EvpCipherContextHandle : SafeHandle
{
    public EvpCipherContextHandle() : base(0, ownsHandle: true)
    {
    }

    /// <summary>A new, empty context; throws <see cref="OutOfMemoryException"/> when OpenSSL cannot allocate one.</summary>
    public static EvpCipherContextHandle Create()
    {
        var handle = new EvpCipherContextHandle();
        var context = LibCrypto.EVP_CIPHER_CTX_new();
        if (context == 0)
            throw new OutOfMemoryException("OpenSSL could not allocate a cipher context (EVP_CIPHER_CTX_new)");
        handle.SetHandle(context);
        return handle;
    }

    public override bool IsInvalid => handle == 0;

    protected override bool ReleaseHandle()
    {
        LibCrypto.EVP_CIPHER_CTX_free(handle);
        return true;
    }
}
