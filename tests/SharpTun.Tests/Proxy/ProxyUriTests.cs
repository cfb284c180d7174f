using System.Net;
using SharpTun.Proxy;

namespace SharpTun.Tests.Proxy;

public sealed class ProxyUriTests
{
    [Theory]
    [InlineData("direct://", OutboundKind.Direct)]
    [InlineData("DIRECT://", OutboundKind.Direct)]
    [InlineData("direct:///", OutboundKind.Direct)]
    [InlineData("reject://", OutboundKind.Reject)]
    public void Parse_ServerlessScheme_HasNoServer(string text, OutboundKind kind)
    {
        var configuration = ProxyUri.Parse(text);

        Assert.Equal(kind, configuration.Kind);
        Assert.Null(configuration.Server);
        Assert.Null(configuration.Credentials);
    }

    [Theory]
    [InlineData("socks5://127.0.0.1:1080", OutboundKind.Socks5, "127.0.0.1", null, 1080)]
    [InlineData("socks5://[::1]:1080", OutboundKind.Socks5, "::1", null, 1080)]
    [InlineData("socks5://[2001:db8::1]:65535/", OutboundKind.Socks5, "2001:db8::1", null, 65535)]
    [InlineData("socks5://proxy.example.com:1", OutboundKind.Socks5, null, "proxy.example.com", 1)]
    [InlineData("http://10.0.0.1:3128", OutboundKind.Http, "10.0.0.1", null, 3128)]
    [InlineData("HTTP://localhost:8080", OutboundKind.Http, null, "localhost", 8080)]
    public void Parse_Server_ReadsHostAndPort(string text, OutboundKind kind, string? address, string? domain, int port)
    {
        var configuration = ProxyUri.Parse(text);

        Assert.Equal(kind, configuration.Kind);
        Assert.NotNull(configuration.Server);
        var server = configuration.Server.Value;
        Assert.Equal(address is null ? null : IPAddress.Parse(address), server.Address);
        Assert.Equal(domain, server.Domain);
        Assert.Equal(port, server.Port);
        Assert.Null(configuration.Credentials);
    }

    [Theory]
    [InlineData("socks5://user:pass@127.0.0.1:1080", "user", "pass")]
    [InlineData("socks5://us%65r:p%40ss%3Aword@127.0.0.1:1080", "user", "p@ss:word")]
    [InlineData("socks5://a:b%2Fc@[::1]:1080", "a", "b/c")]
    [InlineData("socks5://%C3%A9t%C3%A9:x@h:1", "été", "x")]
    [InlineData("http://user:p@ss@proxy:3128", "user", "p@ss")]
    [InlineData("http://user@proxy:3128", "user", "")]
    [InlineData("http://user:@proxy:3128", "user", "")]
    public void Parse_Credentials_PercentDecodes(string text, string user, string password)
    {
        var credentials = ProxyUri.Parse(text).Credentials;
        Assert.NotNull(credentials);

        Assert.Equal(user, credentials.UserName);
        Assert.Equal(password, credentials.Password);
    }

    [Theory]
    [InlineData("127.0.0.1:1080", "has no scheme")]
    [InlineData("ftp://h:21", "unsupported scheme 'ftp'")]
    [InlineData("direct://host:1", "takes no host")]
    [InlineData("reject://x", "takes no host")]
    [InlineData("socks5://x", "socks5 proxy URL 'socks5://x' has no port")]
    [InlineData("socks5://x:", "has no port")]
    [InlineData("socks5://", "has no host")]
    [InlineData("socks5://:1080", "has no host")]
    [InlineData("http://h:0", "port '0', which is not a number 1-65535")]
    [InlineData("http://h:65536", "port '65536'")]
    [InlineData("http://h:12a", "port '12a'")]
    [InlineData("http://h:+80", "port '+80'")]
    [InlineData("http://h:80/path", "has a path")]
    [InlineData("http://h:80?q", "has a path, query or fragment")]
    [InlineData("socks5://::1:1080", "IPv6 address without brackets")]
    [InlineData("socks5://[::1]", "has no port")]
    [InlineData("socks5://[::1:1080", "without its closing ']'")]
    [InlineData("socks5://[::1]1080", "where ':port' belongs")]
    [InlineData("socks5://[1.2.3.4]:1080", "not an IPv6 address")]
    [InlineData("socks5://[fe80::1%eth0]:1080", "not an IPv6 address")]
    [InlineData("socks5://bad_host!name?:1", "has a path")]
    [InlineData("socks5://a..b:1", "has an empty label")]
    [InlineData("socks5://h\u00e9:1", "is not ASCII")]
    [InlineData("socks5://:pass@h:1", "empty user name")]
    [InlineData("socks5://user@h:1", "no password")]
    [InlineData("socks5://user:%zz@h:1", "password with a bad percent escape")]
    [InlineData("socks5://us%4:p@h:1", "user name with a bad percent escape")]
    [InlineData("socks5://user:%ff@h:1", "not valid UTF-8")]
    public void TryParse_Invalid_SaysWhatIsWrong(string text, string expected)
    {
        Assert.False(ProxyUri.TryParse(text, out var configuration, out var error));
        Assert.Null(configuration);
        Assert.Contains(expected, error);
        Assert.Throws<FormatException>(() => ProxyUri.Parse(text));
    }

    [Fact]
    public void TryParse_Socks5UserNameOver255Bytes_Fails()
    {
        var text = $"socks5://{new string('u', 256)}:p@h:1";

        Assert.False(ProxyUri.TryParse(text, out _, out var error));
        Assert.Contains("longer than 255 bytes", error);
    }

    [Fact]
    public void TryParse_DomainOver255Bytes_Fails()
    {
        var label = new string('a', 63);
        var text = $"http://{label}.{label}.{label}.{label}.com:1";

        Assert.False(ProxyUri.TryParse(text, out _, out var error));
        Assert.Contains("longer than 255", error);
    }

    [Fact]
    public void ToString_WithCredentials_MasksPassword()
    {
        var text = ProxyUri.Parse("socks5://user:secret@[::1]:1080").ToString();

        Assert.Equal("socks5://user:***@[::1]:1080", text);
    }
}
