using SharpTun.Dns;

namespace SharpTun.Tests.Dns;

public sealed class DomainPatternSetTests
{
    [Theory]
    [InlineData("example.org", "example.org", true)]
    [InlineData("example.org", "EXAMPLE.org.", true)]
    [InlineData("example.org", "www.example.org", false)]
    [InlineData("+.example.org", "example.org", true)]
    [InlineData("+.example.org", "a.b.example.org", true)]
    [InlineData("+.example.org", "badexample.org", false)]
    [InlineData(".example.org", "example.org", false)]
    [InlineData(".example.org", "a.example.org", true)]
    [InlineData("*.lan", "printer.lan", true)]
    [InlineData("*.lan", "a.printer.lan", false)]
    [InlineData("*.lan", "lan", false)]
    [InlineData("time.*.com", "time.apple.com", true)]
    [InlineData("time.*.com", "time.a.b.com", false)]
    [InlineData("+.pool.ntp.org", "0.debian.pool.ntp.org", true)]
    public void Matches_FollowsMihomoSyntax(string pattern, string name, bool expected) =>
        Assert.Equal(expected, new DomainPatternSet([pattern]).Matches(name));

    [Theory]
    [InlineData("")]
    [InlineData("a..b")]
    [InlineData("ex*mple.org")]
    [InlineData("bad name.org")]
    public void Constructor_BadPattern_NamesIt(string pattern)
    {
        var error = Assert.Throws<ArgumentException>(() => new DomainPatternSet([pattern]));
        Assert.Contains($"'{pattern}'", error.Message);
    }

    [Fact]
    public void Matches_TriePatterns_AllocateNothing()
    {
        var set = new DomainPatternSet(["+.example.org", "*.lan", "exact.test"]);
        set.Matches("www.example.org");
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 100; i++)
            set.Matches("a.printer.lan");
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}
