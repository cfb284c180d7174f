using SharpTun.Interop;

namespace SharpTun.Tests.Interop;

public sealed class ErrnoTests
{
    [Fact]
    public void Describe_Eexist_GivesStrerrorAndName() =>
        Assert.Equal("File exists (EEXIST)", Errno.Describe(Errno.EEXIST));

    [Fact]
    public void Name_UnknownErrno_GivesNumber() =>
        Assert.Equal("errno 4242", Errno.Name(4242));

    [Fact]
    public void ThrowIfFailed_NonNegative_ReturnsResult() =>
        Assert.Equal(7, Errno.ThrowIfFailed(7, "open x"));

    [Fact]
    public void Throw_Eperm_NamesCallErrnoAndFix()
    {
        var error = Assert.Throws<InteropException>(() => Errno.Throw(Errno.EPERM, "TUNSETIFF 'st0'"));
        Assert.Equal("TUNSETIFF 'st0': Operation not permitted (EPERM) (run as root or grant CAP_NET_ADMIN)", error.Message);
        Assert.Equal(Errno.EPERM, error.Errno);
        Assert.Equal("EPERM", error.ErrnoName);
        Assert.Equal("TUNSETIFF 'st0'", error.Operation);
        Assert.IsAssignableFrom<IOException>(error);
    }

    [Fact]
    public void Throw_WithHint_UsesCallerHint()
    {
        var error = Assert.Throws<InteropException>(() => Errno.Throw(Errno.EBUSY, "TUNSETIFF 'st0'", static _ => "in use"));
        Assert.Equal("TUNSETIFF 'st0': Device or resource busy (EBUSY) (in use)", error.Message);
    }
}
