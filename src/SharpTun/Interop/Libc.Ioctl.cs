using System.Runtime.InteropServices;

namespace SharpTun.Interop;

internal static unsafe partial class Libc
{
    /// <summary>ioctl(2) whose argument points at <paramref name="argument"/> (e.g. a struct ifreq).</summary>
    public static int Ioctl(SafeHandle fd, uint request, Span<byte> argument)
    {
        fixed (byte* data = argument)
            return ioctl(fd, request, (nint)data);
    }

    /// <summary>ioctl(2) whose argument is a plain value (TUNSETPERSIST, TUNSETOWNER, TUNSETGROUP).</summary>
    public static int Ioctl(SafeHandle fd, uint request, nint value) => ioctl(fd, request, value);

    // ioctl is variadic in C; on the Linux ABIs .NET supports (x64, arm64) a variadic call with one
    // pointer-sized argument is passed exactly like this fixed signature.
    [LibraryImport("libc", SetLastError = true)]
    private static partial int ioctl(SafeHandle fd, nuint request, nint argument);
}
