using System.Text;
using Org.BouncyCastle.Crypto.Digests;
using Org.BouncyCastle.Crypto.Macs;
using Org.BouncyCastle.Crypto.Parameters;
using SharpTun.Vpn.Crypto;

namespace SharpTun.Tests.Vpn;

public sealed class CryptoPrimitiveTests
{
    [Fact]
    public void Hash_Abc_Rfc7693AppendixB()
    {
        var output = new byte[32];
        Blake2s.Hash("abc"u8, output);
        Assert.Equal("508c5e8c327c14e2e1a72ba34eeb452f37458b209ed63a294d999b4c86675982", Convert.ToHexStringLower(output));
    }

    [Fact]
    public void Hash_TwoParts_EqualsHashOfConcatenation()
    {
        var split = new byte[32];
        var whole = new byte[32];
        Blake2s.Hash("ab"u8, "c"u8, split);
        Blake2s.Hash("abc"u8, whole);
        Assert.Equal(whole, split);
    }

    [Theory]
    [InlineData(0, 0)]
    [InlineData(32, 3)]
    [InlineData(32, 200)]
    [InlineData(64, 1)]
    [InlineData(65, 77)]
    [InlineData(100, 64)]
    public void Hmac_MatchesBouncyCastleHmacBlake2s(int keyLength, int inputLength)
    {
        var random = new Random(keyLength * 1000 + inputLength);
        var key = new byte[keyLength];
        var input = new byte[inputLength];
        random.NextBytes(key);
        random.NextBytes(input);
        var reference = new HMac(new Blake2sDigest(256));
        reference.Init(new KeyParameter(key));
        reference.BlockUpdate(input, 0, input.Length);
        var expected = new byte[32];
        reference.DoFinal(expected, 0);

        var actual = new byte[32];
        Blake2s.Hmac(key, input, actual);
        Assert.Equal(expected, actual);
    }

    [Fact]
    public void Kdf_FollowsPaperDefinition()
    {
        var key = Enumerable.Range(0, 32).Select(i => (byte)i).ToArray();
        var input = "input"u8.ToArray();
        var t0 = new byte[32];
        var t1 = new byte[32];
        var t2 = new byte[32];
        var t3 = new byte[32];
        Blake2s.Hmac(key, input, t0);
        Blake2s.Hmac(t0, [1], t1);
        Blake2s.Hmac(t0, [.. t1, 2], t2);
        Blake2s.Hmac(t0, [.. t2, 3], t3);

        var a = new byte[32];
        var b = new byte[32];
        var c = new byte[32];
        Blake2s.Kdf(key, input, a, b, c);
        Assert.Equal(t1, a);
        Assert.Equal(t2, b);
        Assert.Equal(t3, c);
    }

    [Fact]
    public void Mac_IsKeyedBlake2sWith16ByteOutput()
    {
        var key = new byte[32];
        key[0] = 7;
        var reference = new Blake2sDigest(key, 16, null, null);
        var input = "message"u8.ToArray();
        reference.BlockUpdate(input, 0, input.Length);
        var expected = new byte[16];
        reference.DoFinal(expected, 0);

        var actual = new byte[16];
        Blake2s.Mac(key, input, actual);
        Assert.Equal(expected, actual);
    }

    [Fact]
    public void HChaCha20_DraftXChaChaSection221Vector()
    {
        var key = Convert.FromHexString("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f");
        var nonce = Convert.FromHexString("000000090000004a0000000031415927");
        var subkey = new byte[32];
        HChaCha20.DeriveSubkey(key, nonce, subkey);
        Assert.Equal("82413b4227b27bfed30e42508a877d73a0f9e4d58a74a853c12ec41326d3ecdc", Convert.ToHexStringLower(subkey));
    }

    [Fact]
    public void XChaCha20Poly1305_DraftXChaChaAppendixA31Vector()
    {
        var plaintext = Encoding.ASCII.GetBytes("Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it.");
        var aad = Convert.FromHexString("50515253c0c1c2c3c4c5c6c7");
        var key = Convert.FromHexString("808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f");
        var nonce = Convert.FromHexString("404142434445464748494a4b4c4d4e4f5051525354555657");
        var ciphertext = new byte[plaintext.Length];
        var tag = new byte[16];
        XChaCha20Poly1305.Encrypt(key, nonce, plaintext, ciphertext, tag, aad);
        Assert.Equal("bd6d179d3e83d43b9576579493c0e939572a1700252bfaccbed2902c21396cbb", Convert.ToHexStringLower(ciphertext.AsSpan(0, 32)));
        Assert.Equal("c0875924c1c7987947deafd8780acf49", Convert.ToHexStringLower(tag));

        var decrypted = new byte[plaintext.Length];
        Assert.True(XChaCha20Poly1305.TryDecrypt(key, nonce, ciphertext, tag, decrypted, aad));
        Assert.Equal(plaintext, decrypted);
        ciphertext[5] ^= 1;
        Assert.False(XChaCha20Poly1305.TryDecrypt(key, nonce, ciphertext, tag, decrypted, aad));
    }

    [Fact]
    public void Tai64N_KnownTime_EncodesBigEndianWithWhitenedNanoseconds()
    {
        var time = DateTimeOffset.FromUnixTimeSeconds(1_700_000_000).AddTicks(1234567);
        var stamp = new byte[12];
        Tai64N.Write(time, stamp);
        Assert.Equal("400000006553f10a", Convert.ToHexStringLower(stamp.AsSpan(0, 8)));
        // 123,456,700 ns rounded down to a multiple of 2^24.
        Assert.Equal((123_456_700u & ~((1u << 24) - 1)).ToString("x8"), Convert.ToHexStringLower(stamp.AsSpan(8)));
    }

    [Fact]
    public void Tai64N_IsAfter_OrdersByTime()
    {
        var earlier = new byte[12];
        var later = new byte[12];
        Tai64N.Write(DateTimeOffset.FromUnixTimeSeconds(100), earlier);
        Tai64N.Write(DateTimeOffset.FromUnixTimeSeconds(101), later);
        Assert.True(Tai64N.IsAfter(later, earlier));
        Assert.False(Tai64N.IsAfter(earlier, later));
        Assert.False(Tai64N.IsAfter(later, later));
    }
}
