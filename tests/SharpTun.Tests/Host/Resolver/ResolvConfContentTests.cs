using System.Net;
using System.Text;
using SharpTun.Host.Resolver;

namespace SharpTun.Tests.Host.Resolver;

public sealed class ResolvConfContentTests
{
    [Fact]
    public void File_ServersAndDomains_IsTheCommentThenWgQuicksLines() =>
        Assert.Equal(
            "# Written by SharpTun (pid 4242) for the DNS of the VPN interface stv0.\n" +
            "# 'sharptun vpn down stv0' puts the previous file back ('sharptun cleanup' if that process died).\n" +
            "nameserver 10.2.0.1\n" +
            "nameserver fd00:bbbb::53\n" +
            "search corp.example lab.example\n",
            ResolvConfContent.File("stv0", 4242, [IPAddress.Parse("10.2.0.1"), IPAddress.Parse("fd00:bbbb:0::53")], ["corp.example", "lab.example"]));

    [Fact]
    public void Lines_NoDomains_HasNoSearchLine() =>
        Assert.Equal("nameserver 1.1.1.1\nnameserver 9.9.9.9\n", ResolvConfContent.Lines([IPAddress.Parse("1.1.1.1"), IPAddress.Parse("9.9.9.9")], []));

    [Fact]
    public void TryReadWriter_OurFile_GivesThePidAndInterface()
    {
        var content = Encoding.UTF8.GetBytes(ResolvConfContent.File("wg.home", 4242, [IPAddress.Parse("10.2.0.1")], []));

        Assert.True(ResolvConfContent.TryReadWriter(content, out var pid, out var name));
        Assert.Equal((4242, "wg.home"), (pid, name));
    }

    [Theory]
    [InlineData("nameserver 10.0.0.1\n")]
    [InlineData("# Written by SharpTun (pid x1) for the DNS of the VPN interface stv0.\n")]
    [InlineData("# Written by SharpTun (pid 12) for the DNS of the VPN interface stv0")]
    [InlineData("")]
    public void TryReadWriter_AnyOtherFile_False(string content) =>
        Assert.False(ResolvConfContent.TryReadWriter(Encoding.UTF8.GetBytes(content), out _, out _));
}
