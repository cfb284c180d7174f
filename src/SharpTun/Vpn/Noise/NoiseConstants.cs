using SharpTun.Vpn.Crypto;

namespace SharpTun.Vpn.Noise;

/// <summary>The protocol name, identifier and labels of paper §5.4, and the initial chaining key and hash derived from them.</summary>
internal static class NoiseConstants
{
    public static ReadOnlySpan<byte> Construction => "Noise_IKpsk2_25519_ChaChaPoly_BLAKE2s"u8;
    public static ReadOnlySpan<byte> Identifier => "WireGuard v1 zx2c4 Jason@zx2c4.com"u8;
    public static ReadOnlySpan<byte> LabelMac1 => "mac1----"u8;
    public static ReadOnlySpan<byte> LabelCookie => "cookie--"u8;

    /// <summary>C_i = HASH(CONSTRUCTION).</summary>
    public static readonly byte[] InitialChainKey = ComputeChainKey();

    /// <summary>H_i = HASH(C_i || IDENTIFIER).</summary>
    public static readonly byte[] InitialHash = ComputeHash();

    private static byte[] ComputeChainKey()
    {
        var chainKey = new byte[Blake2s.HashLength];
        Blake2s.Hash(Construction, chainKey);
        return chainKey;
    }

    private static byte[] ComputeHash()
    {
        var hash = new byte[Blake2s.HashLength];
        Blake2s.Hash(ComputeChainKey(), Identifier, hash);
        return hash;
    }

    /// <summary>HASH(label || publicKey): the mac1 key and the cookie encryption key of a public key (paper §5.4.4, §5.4.7).</summary>
    public static byte[] LabelledKey(ReadOnlySpan<byte> label, WireGuardKey publicKey)
    {
        var key = new byte[Blake2s.HashLength];
        Blake2s.Hash(label, publicKey.Bytes, key);
        return key;
    }
}
