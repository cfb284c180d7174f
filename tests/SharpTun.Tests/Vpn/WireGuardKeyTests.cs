using SharpTun.TestSupport;
using SharpTun.Vpn;

namespace SharpTun.Tests.Vpn;

public sealed class WireGuardKeyTests
{
    // RFC 7748 §6.1 (Curve25519 Diffie-Hellman test vector).
    private const string AlicePrivate = "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a";
    private const string AlicePublic = "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a";
    private const string BobPrivate = "5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb";
    private const string BobPublic = "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f";
    private const string Shared = "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742";

    private static WireGuardKey Hex(string hex) => WireGuardKey.FromBytes(Convert.FromHexString(hex));

    [Fact]
    public void DerivePublic_Rfc7748Vector()
    {
        Assert.Equal(Hex(AlicePublic), Hex(AlicePrivate).DerivePublic());
        Assert.Equal(Hex(BobPublic), Hex(BobPrivate).DerivePublic());
    }

    [Fact]
    public void TrySharedSecret_Rfc7748Vector_BothSidesAgree()
    {
        var fromAlice = new byte[32];
        var fromBob = new byte[32];
        Assert.True(Hex(AlicePrivate).TrySharedSecret(Hex(BobPublic), fromAlice));
        Assert.True(Hex(BobPrivate).TrySharedSecret(Hex(AlicePublic), fromBob));
        Assert.Equal(Shared, Convert.ToHexStringLower(fromAlice));
        Assert.Equal(fromAlice, fromBob);
    }

    [Fact]
    public void TrySharedSecret_LowOrderPoint_IsRefused()
    {
        var zeroPoint = WireGuardKey.FromBytes(new byte[32]);
        Assert.False(Hex(AlicePrivate).TrySharedSecret(zeroPoint, new byte[32]));
    }

    [Fact]
    public void ParseAndToString_RoundTrip()
    {
        var key = WireGuardKey.GeneratePrivate();
        var text = key.ToString();
        Assert.Equal(WireGuardKey.TextLength, text.Length);
        Assert.Equal(key, WireGuardKey.Parse(text));
        Assert.Equal(key, WireGuardKey.Parse($"  {text}\n"));
    }

    [Fact]
    public void GeneratePrivate_IsClamped()
    {
        for (int i = 0; i < 50; i++)
        {
            var bytes = WireGuardKey.GeneratePrivate().Bytes;
            Assert.Equal(0, bytes[0] & 7);
            Assert.Equal(64, bytes[31] & 192);
        }
    }

    [Theory]
    [InlineData("")]
    [InlineData("not base64 at all, not base64 at all, not b!")]
    [InlineData("yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk")]    // 43 characters, padding missing
    [InlineData("yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk==")]  // 45 characters
    [InlineData("yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3f")]       // 30 bytes
    public void TryParse_Malformed_IsFalse(string text)
    {
        Assert.False(WireGuardKey.TryParse(text, out _));
        Assert.Throws<FormatException>(() => WireGuardKey.Parse(text));
    }

    [Fact]
    public void DerivePublic_MatchesWgPubkey()
    {
        var key = WireGuardKey.GeneratePrivate();
        var result = Run.Command("sh", ["-c", $"echo {key} | wg pubkey"]);
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(key.DerivePublic().ToString(), result.StandardOutput.Trim());
    }

    [Fact]
    public void Parse_WgGenkeyOutput()
    {
        var result = Run.Command("wg", ["genkey"]);
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(result.StandardOutput.Trim(), WireGuardKey.Parse(result.StandardOutput).ToString());
    }
}
