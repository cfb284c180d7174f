using System.Net;
using SharpTun.Proxy;

namespace SharpTun.Tests.Proxy;

public sealed class ProxyDestinationTests
{
    [Fact]
    public void FromDomain_Valid_KeepsName()
    {
        var destination = ProxyDestination.FromDomain("_dmarc.example.com.", 53);

        Assert.True(destination.IsDomain);
        Assert.Equal("_dmarc.example.com.", destination.Domain);
        Assert.Equal("_dmarc.example.com.:53", destination.ToString());
    }

    [Theory]
    [InlineData("")]
    [InlineData(".example")]
    [InlineData("a b")]
    [InlineData("a\0b")]
    [InlineData("host:1")]
    [InlineData("ex\u00e4mple.com")]
    public void FromDomain_Invalid_Throws(string domain)
    {
        var e = Assert.Throws<ArgumentException>(() => ProxyDestination.FromDomain(domain, 1));
        Assert.Contains("domain name", e.Message);
    }

    [Fact]
    public void FromDomain_255Bytes_Accepted_256Rejected()
    {
        var label = new string('a', 63);
        var name255 = $"{label}.{label}.{label}.{new string('b', 63)}";

        Assert.Equal(255, ProxyDestination.FromDomain(name255, 1).Domain!.Length);
        Assert.Throws<ArgumentException>(() => ProxyDestination.FromDomain(name255 + "c", 1));
    }

    [Fact]
    public void FromDomain_LabelOver63Bytes_Throws()
    {
        Assert.Throws<ArgumentException>(() => ProxyDestination.FromDomain(new string('a', 64) + ".com", 1));
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(65536)]
    public void FromAddress_BadPort_Throws(int port)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => ProxyDestination.FromAddress(IPAddress.Loopback, port));
    }

    [Fact]
    public void ToString_IPv6_UsesBrackets()
    {
        Assert.Equal("[::1]:443", ProxyDestination.FromAddress(IPAddress.IPv6Loopback, 443).ToString());
        Assert.Equal("127.0.0.1:80", ProxyDestination.FromAddress(IPAddress.Loopback, 80).ToString());
    }

    [Fact]
    public void Equals_DomainCaseInsensitive_True()
    {
        Assert.Equal(ProxyDestination.FromDomain("Example.COM", 1), ProxyDestination.FromDomain("example.com", 1));
        Assert.NotEqual(ProxyDestination.FromDomain("example.com", 1), ProxyDestination.FromDomain("example.com", 2));
    }
}
