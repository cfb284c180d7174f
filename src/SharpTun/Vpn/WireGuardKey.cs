using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using Org.BouncyCastle.Math.EC.Rfc7748;

namespace SharpTun.Vpn;

/// <summary>
/// A 32-byte WireGuard key: a Curve25519 private or public key, or a preshared key. Written as
/// 44 characters of standard base64, as <c>wg genkey</c>, <c>wg pubkey</c> and wg-quick files do.
/// </summary>
public sealed class WireGuardKey : IEquatable<WireGuardKey>
{
    public const int Length = 32;

    /// <summary>Base64 of 32 bytes: 43 characters and one '=' of padding.</summary>
    public const int TextLength = 44;

    private readonly byte[] _bytes;

    private WireGuardKey(ReadOnlySpan<byte> bytes) => _bytes = bytes.ToArray();

    /// <summary>The raw key.</summary>
    public ReadOnlySpan<byte> Bytes => _bytes;

    /// <summary>True for the all-zero key, which the WireGuard protocol treats as "no key".</summary>
    public bool IsZero => _bytes.AsSpan().IndexOfAnyExcept((byte)0) < 0;

    public static WireGuardKey FromBytes(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length != Length)
            throw new ArgumentException($"a WireGuard key is {Length} bytes, not {bytes.Length}", nameof(bytes));
        return new WireGuardKey(bytes);
    }

    /// <summary>Parses the base64 form; false for anything that is not exactly 32 bytes of base64.</summary>
    public static bool TryParse(ReadOnlySpan<char> text, [NotNullWhen(true)] out WireGuardKey? key)
    {
        key = null;
        Span<byte> bytes = stackalloc byte[Length + 1];
        if (text.Length != TextLength || !Convert.TryFromBase64Chars(text, bytes, out int written) || written != Length)
            return false;
        key = new WireGuardKey(bytes[..Length]);
        return true;
    }

    /// <summary>Parses the base64 form or throws a <see cref="FormatException"/> that says what a key looks like.</summary>
    public static WireGuardKey Parse(ReadOnlySpan<char> text) =>
        TryParse(text.Trim(), out var key)
            ? key
            : throw new FormatException($"not a WireGuard key: expected {TextLength} characters of base64 encoding 32 bytes (as printed by 'wg genkey')");

    /// <summary>A new private key: 32 random bytes, clamped as Curve25519 requires (as <c>wg genkey</c> does).</summary>
    public static WireGuardKey GeneratePrivate()
    {
        Span<byte> bytes = stackalloc byte[Length];
        RandomNumberGenerator.Fill(bytes);
        // RFC 7748 §5: clear the 3 low bits, clear the top bit, set the second-highest bit.
        bytes[0] &= 248;
        bytes[31] = (byte)((bytes[31] & 127) | 64);
        return new WireGuardKey(bytes);
    }

    /// <summary>A new preshared key: 32 random bytes (as <c>wg genpsk</c>).</summary>
    public static WireGuardKey GeneratePreshared()
    {
        Span<byte> bytes = stackalloc byte[Length];
        RandomNumberGenerator.Fill(bytes);
        return new WireGuardKey(bytes);
    }

    /// <summary>The public key of this private key (X25519 with the base point; clamping is applied by the curve function).</summary>
    public WireGuardKey DerivePublic()
    {
        Span<byte> publicKey = stackalloc byte[Length];
        X25519.ScalarMultBase(_bytes, publicKey);
        return new WireGuardKey(publicKey);
    }

    /// <summary>
    /// The X25519 shared secret of this private key and <paramref name="publicKey"/>. False when the
    /// result is all zeros (a low-order public key), which the Noise handshake must reject.
    /// </summary>
    public bool TrySharedSecret(WireGuardKey publicKey, Span<byte> secret)
    {
        if (secret.Length < Length)
            throw new ArgumentException($"the secret needs {Length} bytes", nameof(secret));
        return X25519.CalculateAgreement(_bytes, publicKey._bytes, secret[..Length]);
    }

    public override string ToString() => Convert.ToBase64String(_bytes);

    public bool Equals(WireGuardKey? other) => other is not null && _bytes.AsSpan().SequenceEqual(other._bytes);

    public override bool Equals(object? obj) => obj is WireGuardKey other && Equals(other);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.AddBytes(_bytes);
        return hash.ToHashCode();
    }

    public static bool operator ==(WireGuardKey? left, WireGuardKey? right) => left is null ? right is null : left.Equals(right);

    public static bool operator !=(WireGuardKey? left, WireGuardKey? right) => !(left == right);
}
