using SharpTun.TestSupport;

namespace SharpTun.EndToEnd.Vpn;

/// <summary><c>sharptun vpn genkey/pubkey/genpsk</c> against wg(8) from wireguard-tools.</summary>
public sealed class VpnKeyCommandTests
{
    private static string Sharptun => $"dotnet {SharptunProcess.DllPath}";

    private static string Bash(string script)
    {
        var result = Run.Command("bash", ["-c", "set -o pipefail; " + script]);
        Assert.True(result.ExitCode == 0, result.ToString());
        return result.StandardOutput;
    }

    [Fact]
    public void GenKey_PubKey_AgreeWithWg()
    {
        for (var i = 0; i < 3; i++)
        {
            var key = Bash($"{Sharptun} vpn genkey");
            Assert.Matches("^[A-Za-z0-9+/]{42}[AEIMQUYcgkosw048]=\n$", key);
            var fromWg = Bash($"printf '%s' '{key}' | wg pubkey");
            var fromSharptun = Bash($"printf '%s' '{key}' | {Sharptun} vpn pubkey");
            Assert.Equal(fromWg, fromSharptun);
        }
    }

    [Fact]
    public void PubKey_OfWgGenKey_AgreesWithWgPubKey()
    {
        var key = Bash("wg genkey");

        Assert.Equal(Bash($"printf '%s' '{key}' | wg pubkey"), Bash($"printf '%s' '{key}' | {Sharptun} vpn pubkey"));
    }

    /// <summary>wg genkey clamps the scalar (RFC 7748 §5); ours must too, so the key is the same whichever tool made it.</summary>
    [Fact]
    public void GenKey_IsClamped()
    {
        var bytes = Convert.FromBase64String(Bash($"{Sharptun} vpn genkey").Trim());

        Assert.Equal(0, bytes[0] & 7);
        Assert.Equal(0x40, bytes[31] & 0xc0);
    }

    [Fact]
    public void GenPsk_Is32BytesOfBase64ThatWgAccepts()
    {
        var psk = Bash($"{Sharptun} vpn genpsk").Trim();

        Assert.Equal(32, Convert.FromBase64String(psk).Length);
        // wg's own parser takes it as a preshared key of a peer in a configuration file.
        var config = Bash($"printf '[Interface]\\nPrivateKey = %s\\n[Peer]\\nPublicKey = %s\\nPresharedKey = %s\\n' \"$(wg genkey)\" \"$(wg genkey | wg pubkey)\" '{psk}' > /dev/null && echo ok");
        Assert.Equal("ok\n", config);
    }

    [Theory]
    [InlineData("")]
    [InlineData("not a key")]
    [InlineData("AAAA")]
    public void PubKey_NotAKey_ExitsOneWithTheReason(string input)
    {
        var result = Run.Command("bash", ["-c", $"printf '%s' '{input}' | {Sharptun} vpn pubkey"]);

        Assert.Equal(1, result.ExitCode);
        Assert.Equal("", result.StandardOutput);
        Assert.Contains("stdin is not a private key", result.StandardError);
    }
}
