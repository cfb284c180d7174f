using SharpTun.Host;

namespace SharpTun.Tests.Host;

public sealed class SystemAccountsTests
{
    [Fact]
    public void ResolveUser_NameOrNumber_ReturnsUid()
    {
        Assert.Equal(0u, SystemAccounts.ResolveUser("root"));
        Assert.Equal(65534u, SystemAccounts.ResolveUser("nobody"));
        Assert.Equal(1234u, SystemAccounts.ResolveUser("1234"));
    }

    [Fact]
    public void ResolveGroup_NameOrNumber_ReturnsGid()
    {
        Assert.Equal(0u, SystemAccounts.ResolveGroup("root"));
        Assert.Equal(65534u, SystemAccounts.ResolveGroup("nogroup"));
        Assert.Equal(42u, SystemAccounts.ResolveGroup("42"));
    }

    [Theory]
    [InlineData("no-such-user-x")]
    [InlineData("")]
    [InlineData("bad\0name")]
    public void ResolveUser_Unknown_ThrowsNamingIt(string name)
    {
        var error = Assert.Throws<ArgumentException>(() => SystemAccounts.ResolveUser(name));
        Assert.Contains($"'{name}'", error.Message);
    }

    [Fact]
    public void ResolveGroup_Unknown_ThrowsNamingIt() =>
        Assert.Contains("'no-such-group-x'", Assert.Throws<ArgumentException>(() => SystemAccounts.ResolveGroup("no-such-group-x")).Message);
}
