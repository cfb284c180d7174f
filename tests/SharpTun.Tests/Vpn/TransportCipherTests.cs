using System.Security.Cryptography;
using SharpTun.Interop;
using SharpTun.Vpn.Transport;

namespace SharpTun.Tests.Vpn;

/// <summary>
/// Both <see cref="TransportCipher"/>s against the base library's <see cref="ChaCha20Poly1305"/> as
/// the reference (CapturedTranscriptTests also opens a message that wireguard-go sealed).
/// </summary>
public sealed class TransportCipherTests
{
    public static TheoryData<string> Implementations => ["OpenSSL", "base library"];

    private static TransportCipher Create(string implementation, byte[] key) => implementation switch
    {
        "OpenSSL" => new OpenSslTransportCipher(key),
        _ => new BaseLibraryTransportCipher(key),
    };

    private static byte[] RandomBytes(int length)
    {
        var bytes = new byte[length];
        Random.Shared.NextBytes(bytes);
        return bytes;
    }

    [Fact]
    public void Create_OnThisDebian_UsesTheKeptOpenSslContext()
    {
        Assert.True(LibCrypto.IsAvailable, "libcrypto.so.3 should load on Debian 12");
        using var cipher = TransportCipher.Create(new byte[32]);
        Assert.IsType<OpenSslTransportCipher>(cipher);
    }

    [Theory]
    [MemberData(nameof(Implementations))]
    public void Seal_ManyLengthsOnOneCipher_MatchesTheBaseLibrary(string implementation)
    {
        var key = RandomBytes(32);
        using var cipher = Create(implementation, key);
        using var reference = new ChaCha20Poly1305(key);
        foreach (var length in new[] { 0, 1, 15, 16, 17, 63, 64, 65, 1420, 1500, 0, 9000 })
        {
            var nonce = RandomBytes(12);
            var plaintext = RandomBytes(length);
            var expected = new byte[length];
            var expectedTag = new byte[16];
            reference.Encrypt(nonce, plaintext, expected, expectedTag);

            var text = (byte[])plaintext.Clone();
            var tag = new byte[16];
            cipher.Seal(nonce, text, tag);

            Assert.Equal(expected, text);
            Assert.Equal(expectedTag, tag);
        }
    }

    [Theory]
    [MemberData(nameof(Implementations))]
    public void Open_WhatTheBaseLibrarySealed_RoundTripsInPlace_BetweenSeals(string implementation)
    {
        var key = RandomBytes(32);
        using var cipher = Create(implementation, key);
        using var reference = new ChaCha20Poly1305(key);
        for (var i = 0; i < 20; i++)
        {
            var nonce = RandomBytes(12);
            var plaintext = RandomBytes(i * 77);
            var text = new byte[plaintext.Length];
            var tag = new byte[16];
            reference.Encrypt(nonce, plaintext, text, tag);

            Assert.True(cipher.Open(nonce, text, tag));
            Assert.Equal(plaintext, text);
            // Sealing on the same cipher in between must not disturb the next open.
            cipher.Seal(RandomBytes(12), RandomBytes(100), new byte[16]);
        }
    }

    [Theory]
    [MemberData(nameof(Implementations))]
    public void Open_TamperedTextTagOrNonce_ReturnsFalse_AndTheNextGoodMessageStillOpens(string implementation)
    {
        var key = RandomBytes(32);
        using var cipher = Create(implementation, key);
        var nonce = RandomBytes(12);
        var plaintext = RandomBytes(64);
        var sealedText = (byte[])plaintext.Clone();
        var tag = new byte[16];
        cipher.Seal(nonce, sealedText, tag);

        var badText = (byte[])sealedText.Clone();
        badText[10] ^= 0x01;
        var badTag = (byte[])tag.Clone();
        badTag[15] ^= 0x80;
        var badNonce = (byte[])nonce.Clone();
        badNonce[0] ^= 0x01;

        Assert.False(cipher.Open(nonce, badText, tag));
        Assert.False(cipher.Open(nonce, (byte[])sealedText.Clone(), badTag));
        Assert.False(cipher.Open(badNonce, (byte[])sealedText.Clone(), tag));
        Assert.False(cipher.Open(nonce, sealedText.AsSpan(0, 63).ToArray(), tag));
        Assert.True(cipher.Open(nonce, sealedText, tag));
        Assert.Equal(plaintext, sealedText);
    }

    [Fact]
    public void OpenSsl_AfterDispose_OpenReturnsFalseAndSealThrows()
    {
        var cipher = new OpenSslTransportCipher(RandomBytes(32));
        var text = new byte[32];
        var tag = new byte[16];
        cipher.Seal(new byte[12], text, tag);
        cipher.Dispose();

        Assert.False(cipher.Open(new byte[12], text, tag));
        Assert.Throws<ObjectDisposedException>(() => cipher.Seal(new byte[12], new byte[32], new byte[16]));
    }

    [Theory]
    [InlineData(31, 12, 16)]
    [InlineData(32, 8, 16)]
    [InlineData(32, 12, 12)]
    public void OpenSsl_WrongKeyNonceOrTagLength_ThrowsArgumentException(int keyLength, int nonceLength, int tagLength)
    {
        Assert.Throws<ArgumentException>(() =>
        {
            using var cipher = new OpenSslTransportCipher(new byte[keyLength]);
            cipher.Seal(new byte[nonceLength], new byte[20], new byte[tagLength]);
        });
    }
}
