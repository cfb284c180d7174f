using System.Diagnostics.CodeAnalysis;
using System.Runtime.InteropServices;

namespace SharpTun.Interop;

/// <summary>errno values used by SharpTun (Linux asm-generic numbering) and the throw helpers.</summary>
public static class Errno
{
    public const int EPERM = 1, ENOENT = 2, ESRCH = 3, EINTR = 4, EIO = 5, ENXIO = 6, E2BIG = 7,
        EBADF = 9, EAGAIN = 11, ENOMEM = 12, EACCES = 13, EFAULT = 14, EBUSY = 16, EEXIST = 17,
        ENODEV = 19, EINVAL = 22, ENFILE = 23, EMFILE = 24, EROFS = 30, ERANGE = 34, EOPNOTSUPP = 95,
        EAFNOSUPPORT = 97, EADDRINUSE = 98, EADDRNOTAVAIL = 99, ENETDOWN = 100, ENETUNREACH = 101,
        ENOBUFS = 105, EHOSTUNREACH = 113, EBADFD = 77, EMSGSIZE = 90, ENOSYS = 38;

    /// <summary>The symbolic name of <paramref name="errno"/> (<c>EBUSY</c>), or <c>errno N</c>.</summary>
    public static string Name(int errno) => errno switch
    {
        EPERM => "EPERM", ENOENT => "ENOENT", ESRCH => "ESRCH", EINTR => "EINTR", EIO => "EIO",
        ENXIO => "ENXIO", E2BIG => "E2BIG", EBADF => "EBADF", EAGAIN => "EAGAIN", ENOMEM => "ENOMEM",
        EACCES => "EACCES", EFAULT => "EFAULT", EBUSY => "EBUSY", EEXIST => "EEXIST",
        ENODEV => "ENODEV", EINVAL => "EINVAL", ENFILE => "ENFILE", EMFILE => "EMFILE", EROFS => "EROFS",
        ERANGE => "ERANGE", EOPNOTSUPP => "EOPNOTSUPP", EAFNOSUPPORT => "EAFNOSUPPORT",
        EADDRINUSE => "EADDRINUSE", EADDRNOTAVAIL => "EADDRNOTAVAIL", ENETDOWN => "ENETDOWN",
        ENETUNREACH => "ENETUNREACH", ENOBUFS => "ENOBUFS", EHOSTUNREACH => "EHOSTUNREACH",
        EBADFD => "EBADFD", EMSGSIZE => "EMSGSIZE", ENOSYS => "ENOSYS",
        _ => $"errno {errno}",
    };

    /// <summary>strerror text plus the symbolic name: <c>File exists (EEXIST)</c>.</summary>
    public static string Describe(int errno) => $"{Marshal.GetPInvokeErrorMessage(errno)} ({Name(errno)})";

    /// <summary>
    /// The usual fix for errors that mean the same thing whatever the call. Callers with more
    /// context (TUNSETIFF, RTM_NEWADDR) pass their own hint.
    /// </summary>
    public static string? CommonHint(int errno) => errno switch
    {
        EPERM or EACCES => "run as root or grant CAP_NET_ADMIN",
        EMFILE or ENFILE => "too many open files; raise the limit (ulimit -n)",
        _ => null,
    };

    /// <summary>
    /// Throws an <see cref="InteropException"/> built from the calling thread's last P/Invoke
    /// error when <paramref name="result"/> is negative; returns <paramref name="result"/> otherwise.
    /// </summary>
    public static int ThrowIfFailed(int result, string operation, Func<int, string?>? hint = null)
    {
        if (result < 0)
            Throw(Marshal.GetLastPInvokeError(), operation, hint);
        return result;
    }

    /// <summary>Throws for a known errno (positive).</summary>
    [DoesNotReturn]
    public static void Throw(int errno, string operation, Func<int, string?>? hint = null) =>
        throw new InteropException(operation, errno, hint: hint?.Invoke(errno) ?? CommonHint(errno));
}
