namespace SharpTun.Interop;

/// <summary>
/// A system call or netlink request failed. The message names the operation, the object it acted
/// on, the errno text with its symbolic name and, where known, what to do about it:
/// <c>TUNSETIFF 'st0': Device or resource busy (EBUSY); a TUN device named 'st0' exists and is in use</c>.
/// </summary>
public sealed class InteropException : IOException
{
    public InteropException(string operation, int errno, string? detail = null, string? hint = null)
        : base(Format(operation, errno, detail, hint))
    {
        Operation = operation;
        Errno = errno;
        HResult = errno;
    }

    /// <summary>The call and its object, e.g. <c>RTM_NEWADDR 10.0.0.1/24 on st0</c>.</summary>
    public string Operation { get; }

    /// <summary>The positive errno value (e.g. 17 for EEXIST).</summary>
    public int Errno { get; }

    /// <summary>The symbolic errno name, e.g. <c>EEXIST</c>.</summary>
    public string ErrnoName => Interop.Errno.Name(Errno);

    private static string Format(string operation, int errno, string? detail, string? hint)
    {
        var text = $"{operation}: {Interop.Errno.Describe(errno)}";
        if (!string.IsNullOrEmpty(detail))
            text += $": {detail}";
        if (!string.IsNullOrEmpty(hint))
            text += $" ({hint})";
        return text;
    }
}
