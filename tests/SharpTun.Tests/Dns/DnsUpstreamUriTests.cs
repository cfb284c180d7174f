using System.Net;
using SharpTun.Dns.Upstreams;

namespace SharpTun.Tests.Dns;

public sealed class DnsUpstreamUriTests
{
    [Theory]
    [InlineData("1.1.1.1", DnsUpstreamProtocol.Udp, "1.1.1.1", null, 53, null, "/dns-query", "udp://1.1.1.1:53")]
    [InlineData(" 1.1.1.1:5353 ", DnsUpstreamProtocol.Udp, "1.1.1.1", null, 5353, null, "/dns-query", "udp://1.1.1.1:5353")]
    [InlineData("2001:db8::1", DnsUpstreamProtocol.Udp, "2001:db8::1", null, 53, null, "/dns-query", "udp://[2001:db8::1]:53")]
    [InlineData("[2001:db8::1]:53", DnsUpstreamProtocol.Udp, "2001:db8::1", null, 53, null, "/dns-query", "udp://[2001:db8::1]:53")]
    [InlineData("[2001:db8::1]", DnsUpstreamProtocol.Udp, "2001:db8::1", null, 53, null, "/dns-query", "udp://[2001:db8::1]:53")]
    [InlineData("UDP://9.9.9.9", DnsUpstreamProtocol.Udp, "9.9.9.9", null, 53, null, "/dns-query", "udp://9.9.9.9:53")]
    [InlineData("tcp://1.1.1.1", DnsUpstreamProtocol.Tcp, "1.1.1.1", null, 53, null, "/dns-query", "tcp://1.1.1.1:53")]
    [InlineData("tcp://dns.example:5300/", DnsUpstreamProtocol.Tcp, null, "dns.example", 5300, null, "/dns-query", "tcp://dns.example:5300")]
    [InlineData("tls://1.1.1.1", DnsUpstreamProtocol.Tls, "1.1.1.1", null, 853, null, "/dns-query", "tls://1.1.1.1:853")]
    [InlineData("tls://1.1.1.1:853#cloudflare-dns.com", DnsUpstreamProtocol.Tls, "1.1.1.1", null, 853, "cloudflare-dns.com", "/dns-query", "tls://1.1.1.1:853#cloudflare-dns.com")]
    [InlineData("tls://8.8.8.8?sni=dns.google", DnsUpstreamProtocol.Tls, "8.8.8.8", null, 853, "dns.google", "/dns-query", "tls://8.8.8.8:853#dns.google")]
    [InlineData("tls://[2606:4700::1111]:8853", DnsUpstreamProtocol.Tls, "2606:4700::1111", null, 8853, null, "/dns-query", "tls://[2606:4700::1111]:8853")]
    [InlineData("tls://dns.google", DnsUpstreamProtocol.Tls, null, "dns.google", 853, null, "/dns-query", "tls://dns.google:853")]
    [InlineData("https://1.1.1.1/dns-query", DnsUpstreamProtocol.Https, "1.1.1.1", null, 443, null, "/dns-query", "https://1.1.1.1/dns-query")]
    [InlineData("https://dns.google", DnsUpstreamProtocol.Https, null, "dns.google", 443, null, "/dns-query", "https://dns.google/dns-query")]
    [InlineData("https://1.1.1.1/dns-query#cloudflare-dns.com", DnsUpstreamProtocol.Https, "1.1.1.1", null, 443, "cloudflare-dns.com", "/dns-query", "https://1.1.1.1/dns-query#cloudflare-dns.com")]
    [InlineData("https://45.90.28.0:8443/abc123?sni=dns.nextdns.io&x=1", DnsUpstreamProtocol.Https, "45.90.28.0", null, 8443, "dns.nextdns.io", "/abc123?x=1", "https://45.90.28.0:8443/abc123?x=1#dns.nextdns.io")]
    public void TryParse_GoodForm_Reads(string text, DnsUpstreamProtocol protocol, string? address, string? domain, int port, string? tlsName, string httpsPath, string canonical)
    {
        Assert.True(DnsUpstreamUri.TryParse(text, out var configuration, out var error), error);

        Assert.Equal(protocol, configuration.Protocol);
        Assert.Equal(address is null ? null : IPAddress.Parse(address), configuration.Server.Address);
        Assert.Equal(domain, configuration.Server.Domain);
        Assert.Equal(port, configuration.Server.Port);
        Assert.Equal(tlsName, configuration.TlsServerName);
        Assert.Equal(httpsPath, configuration.HttpsPath);
        Assert.Equal(canonical, configuration.ToString());
        Assert.Equal(configuration, DnsUpstreamUri.Parse(canonical));
    }

    [Theory]
    [InlineData("system")]
    [InlineData("SYSTEM")]
    public void TryParse_System_IsSystem(string text)
    {
        Assert.Equal(DnsUpstreamProtocol.System, DnsUpstreamUri.Parse(text).Protocol);
        Assert.Equal("system", DnsUpstreamUri.Parse(text).ToString());
    }

    [Theory]
    [InlineData("", "dns upstream '' is empty")]
    [InlineData("dns.example", "dns upstream 'dns.example' names its server by name; a UDP upstream needs an IP address")]
    [InlineData("udp://dns.example:53", "names its server by name; a UDP upstream needs an IP address")]
    [InlineData("ftp://1.1.1.1", "has the unsupported scheme 'ftp' (expected udp, tcp, tls or https, or 'system')")]
    [InlineData("quic://dns.adguard.com", "DNS over QUIC/HTTP3, which SharpTun does not support")]
    [InlineData("h3://1.1.1.1/dns-query", "DNS over QUIC/HTTP3, which SharpTun does not support")]
    [InlineData("sdns://AgcAAAAAAAAABzEuMC4wLjEAEmRucy5jbG91ZGZsYXJlLmNvbQovZG5zLXF1ZXJ5", "is a DNS stamp")]
    [InlineData("tls://1.1.1.1:0", "has the port '0', which is not a number 1-65535 (leave it out for the default 853)")]
    [InlineData("tls://1.1.1.1:", "has the port '', which is not a number 1-65535")]
    [InlineData("tcp://1.1.1.1:99999", "has the port '99999', which is not a number 1-65535")]
    [InlineData("tcp://1.1.1.1:dns", "has the port 'dns', which is not a number 1-65535")]
    [InlineData("tls://1.1.1.1#", "has an empty name after '#'")]
    [InlineData("tls://1.1.1.1?sni=", "has an empty sni= parameter")]
    [InlineData("tls://1.1.1.1#a.example?sni=b.example", "has the TLS server name 'a.example?sni=b.example', which is not a domain name")]
    [InlineData("tls://1.1.1.1?sni=b.example#a.example", "names two TLS servers, 'a.example' and 'b.example'")]
    [InlineData("tls://1.1.1.1/dns-query", "has a path or query; DNS over TLS is tls://host[:port]")]
    [InlineData("tls://1.1.1.1#9.9.9.9", "has the TLS server name '9.9.9.9', which is not a domain name")]
    [InlineData("tls://1.1.1.1#bad_name!", "has the TLS server name 'bad_name!', which is not a domain name")]
    [InlineData("udp://1.1.1.1#one.one.one.one", "names a TLS server, but udp has no TLS")]
    [InlineData("tcp://1.1.1.1?sni=x.example", "names a TLS server, but tcp has no TLS")]
    [InlineData("tcp://1.1.1.1/path", "has a path or query; tcp upstreams are only tcp://host[:port]")]
    [InlineData("https://", "has no host")]
    [InlineData("https:///dns-query", "has no host")]
    [InlineData("tls://user:pass@1.1.1.1", "has a user name or password; DNS upstreams take none")]
    [InlineData("[2001:db8::1", "has an IPv6 address without its closing ']'")]
    [InlineData("[1.2.3.4]:53", "has '[1.2.3.4]', which is not an IPv6 address")]
    [InlineData("[2001:db8::1]x", "has 'x' after the IPv6 address where ':port' belongs")]
    [InlineData("2001:db8::zz", "is not an IPv6 address (write an address with a port as [2001:db8::1]:53)")]
    [InlineData("tcp://bad..name", "host 'bad..name'")]
    public void TryParse_BadForm_NamesTheProblem(string text, string expected)
    {
        Assert.False(DnsUpstreamUri.TryParse(text, out var configuration, out var error));

        Assert.Null(configuration);
        Assert.Contains(expected, error);
        Assert.StartsWith($"dns upstream '{text}'", error);
        Assert.Equal(error, Assert.Throws<FormatException>(() => DnsUpstreamUri.Parse(text)).Message);
    }

    [Fact]
    public void EffectiveTlsServerName_NoName_IsTheAddress()
    {
        Assert.Equal("1.1.1.1", DnsUpstreamUri.Parse("tls://1.1.1.1").EffectiveTlsServerName);
        Assert.Equal("2606:4700::1111", DnsUpstreamUri.Parse("https://[2606:4700::1111]/dns-query").EffectiveTlsServerName);
        Assert.Equal("dns.google", DnsUpstreamUri.Parse("tls://8.8.8.8#dns.google").EffectiveTlsServerName);
        Assert.Equal("dns.google", DnsUpstreamUri.Parse("tls://dns.google").EffectiveTlsServerName);
    }

    [Fact]
    public void ResolvConfNameServers_Parse_KeepsTheFirstThreeAddresses()
    {
        var text = """
            # comment nameserver 9.9.9.9
            search example.test
            nameserver 127.0.0.53
            nameserver	2001:db8::53 # trailing comment
            nameserver not-an-address
            nameservers 8.8.8.8
            options edns0 trust-ad
            nameserver 192.0.2.1
            nameserver 192.0.2.2
            """;

        var servers = ResolvConfNameServers.Parse(text);

        Assert.Equal([IPAddress.Parse("127.0.0.53"), IPAddress.Parse("2001:db8::53"), IPAddress.Parse("192.0.2.1")], servers);
    }

    [Fact]
    public void ResolvConfNameServers_Read_NoServer_ThrowsNamingTheFile()
    {
        var path = Path.GetTempFileName();
        try
        {
            File.WriteAllText(path, "search example.test\n");
            var e = Assert.Throws<InvalidOperationException>(() => ResolvConfNameServers.Read(path));
            Assert.Equal($"dns upstream 'system': {path} lists no nameserver (add one, or give the upstream as an address such as 1.1.1.1)", e.Message);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
