using SharpTun.Vpn.Config;

namespace SharpTun.Tests.Vpn.Config;

public sealed class VpnInterfaceNameTests
{
    [Theory]
    [InlineData("stv0.conf", "stv0")]
    [InlineData("/etc/wireguard/wg0.conf", "wg0")]
    [InlineData("./office.vpn.conf", "office.vpn")]
    [InlineData("fifteen-chars15.conf", "fifteen-chars15")]
    public void TryFromPath_ValidFileName_GivesTheInterfaceName(string path, string expected)
    {
        Assert.True(VpnInterfaceName.TryFromPath(path, out var name, out _));
        Assert.Equal(expected, name);
    }

    [Theory]
    [InlineData("stv0")]
    [InlineData("stv0.cfg")]
    [InlineData(".conf")]
    [InlineData("sixteen-chars-16.conf")]
    [InlineData("my vpn.conf")]
    [InlineData("vpn@home.conf")]
    public void TryFromPath_InvalidFileName_SaysWhatANameMayBe(string path)
    {
        Assert.False(VpnInterfaceName.TryFromPath(path, out _, out var error));
        Assert.Contains("the file name must be the interface name (1 to 15 of the characters a-z A-Z 0-9 _ = + . -) followed by .conf", error);
    }

    [Fact]
    public void ResolveFile_BareName_LooksInEtcWireguard()
    {
        Assert.Equal("/etc/wireguard/stv9.conf", VpnInterfaceName.ResolveFile("stv9"));
        Assert.Equal("stv9.conf", VpnInterfaceName.ResolveFile("stv9.conf"));
        Assert.Equal("./x/stv9.conf", VpnInterfaceName.ResolveFile("./x/stv9.conf"));
    }
}
