using Org.BouncyCastle.Crypto.Digests;

namespace SharpTun.Vpn.Crypto;

/// <summary>
/// The BLAKE2s functions of the WireGuard paper (§5.4): HASH (BLAKE2s-256), MAC (keyed BLAKE2s,
/// 16-byte output), HMAC (RFC 2104 over BLAKE2s-256) and the HKDF-style KDF built on it. Used by
/// the handshake and cookies only, never per data packet.
/// </summary>
internal static class Blake2s
{
    public const int HashLength = 32;
    public const int MacLength = 16;
    private const int BlockLength = 64;

    /// <summary>HASH(a || b): BLAKE2s-256 of the concatenation.</summary>
    public static void Hash(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b, Span<byte> output)
    {
        var digest = new Blake2sDigest(HashLength * 8);
        digest.BlockUpdate(a);
        digest.BlockUpdate(b);
        digest.DoFinal(output);
    }

    /// <summary>HASH(input).</summary>
    public static void Hash(ReadOnlySpan<byte> input, Span<byte> output) => Hash(input, [], output);

    /// <summary>MAC(key, input): BLAKE2s keyed with <paramref name="key"/> and a 16-byte output.</summary>
    public static void Mac(ReadOnlySpan<byte> key, ReadOnlySpan<byte> input, Span<byte> output)
    {
        var digest = new Blake2sDigest(key.ToArray(), MacLength, null, null);
        digest.BlockUpdate(input);
        digest.DoFinal(output);
    }

    /// <summary>HMAC(key, input) with BLAKE2s-256 (64-byte blocks).</summary>
    public static void Hmac(ReadOnlySpan<byte> key, ReadOnlySpan<byte> input, Span<byte> output)
    {
        Span<byte> block = stackalloc byte[BlockLength];
        block.Clear();
        if (key.Length > BlockLength)
            Hash(key, block);
        else
            key.CopyTo(block);

        Span<byte> pad = stackalloc byte[BlockLength];
        for (var i = 0; i < BlockLength; i++)
            pad[i] = (byte)(block[i] ^ 0x36);
        Span<byte> inner = stackalloc byte[HashLength];
        var digest = new Blake2sDigest(HashLength * 8);
        digest.BlockUpdate(pad);
        digest.BlockUpdate(input);
        digest.DoFinal(inner);

        for (var i = 0; i < BlockLength; i++)
            pad[i] = (byte)(block[i] ^ 0x5c);
        digest.Reset();
        digest.BlockUpdate(pad);
        digest.BlockUpdate(inner);
        digest.DoFinal(output);
        block.Clear();
        inner.Clear();
    }

    /// <summary>
    /// KDF_n(key, input) of the paper: τ0 = HMAC(key, input), τ1 = HMAC(τ0, 0x1),
    /// τi = HMAC(τ0, τ(i-1) || i). Writes τ1..τn into the outputs given (one to three).
    /// </summary>
    public static void Kdf(ReadOnlySpan<byte> key, ReadOnlySpan<byte> input, Span<byte> first, Span<byte> second = default, Span<byte> third = default)
    {
        Span<byte> secret = stackalloc byte[HashLength];
        Span<byte> previous = stackalloc byte[HashLength + 1];
        Hmac(key, input, secret);

        previous[0] = 1;
        Hmac(secret, previous[..1], first);
        if (!second.IsEmpty)
        {
            first.CopyTo(previous);
            previous[HashLength] = 2;
            Hmac(secret, previous, second);
            if (!third.IsEmpty)
            {
                second.CopyTo(previous);
                previous[HashLength] = 3;
                Hmac(secret, previous, third);
            }
        }
        secret.Clear();
        previous.Clear();
    }
}
