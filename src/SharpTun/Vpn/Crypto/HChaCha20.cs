using System.Buffers.Binary;
using System.Numerics;

namespace SharpTun.Vpn.Crypto;

/// <summary>
/// HChaCha20 (draft-irtf-cfrg-xchacha-03 §2.2): the ChaCha20 block function without the final
/// addition, turning a key and a 16-byte nonce into a subkey. The base library has ChaCha20-Poly1305
/// but not XChaCha20, which WireGuard's cookie reply needs.
/// </summary>
internal static class HChaCha20
{
    public const int NonceLength = 16;

    public static void DeriveSubkey(ReadOnlySpan<byte> key, ReadOnlySpan<byte> nonce, Span<byte> subkey)
    {
        if (key.Length != 32 || nonce.Length != NonceLength || subkey.Length < 32)
            throw new ArgumentException("HChaCha20 takes a 32-byte key and a 16-byte nonce and writes 32 bytes");
        Span<uint> state = stackalloc uint[16];
        // RFC 8439 §2.3: the constants "expand 32-byte k", then the key, then (here) the 16-byte nonce.
        state[0] = 0x61707865;
        state[1] = 0x3320646e;
        state[2] = 0x79622d32;
        state[3] = 0x6b206574;
        for (var i = 0; i < 8; i++)
            state[4 + i] = BinaryPrimitives.ReadUInt32LittleEndian(key[(i * 4)..]);
        for (var i = 0; i < 4; i++)
            state[12 + i] = BinaryPrimitives.ReadUInt32LittleEndian(nonce[(i * 4)..]);

        for (var round = 0; round < 10; round++)
        {
            QuarterRound(state, 0, 4, 8, 12);
            QuarterRound(state, 1, 5, 9, 13);
            QuarterRound(state, 2, 6, 10, 14);
            QuarterRound(state, 3, 7, 11, 15);
            QuarterRound(state, 0, 5, 10, 15);
            QuarterRound(state, 1, 6, 11, 12);
            QuarterRound(state, 2, 7, 8, 13);
            QuarterRound(state, 3, 4, 9, 14);
        }

        // The subkey is the first and last rows of the state.
        for (var i = 0; i < 4; i++)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(subkey[(i * 4)..], state[i]);
            BinaryPrimitives.WriteUInt32LittleEndian(subkey[(16 + i * 4)..], state[12 + i]);
        }
        state.Clear();
    }

    private static void QuarterRound(Span<uint> x, int a, int b, int c, int d)
    {
        x[a] += x[b]; x[d] = BitOperations.RotateLeft(x[d] ^ x[a], 16);
        x[c] += x[d]; x[b] = BitOperations.RotateLeft(x[b] ^ x[c], 12);
        x[a] += x[b]; x[d] = BitOperations.RotateLeft(x[d] ^ x[a], 8);
        x[c] += x[d]; x[b] = BitOperations.RotateLeft(x[b] ^ x[c], 7);
    }
}
