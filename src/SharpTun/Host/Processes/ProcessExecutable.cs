using System.Buffers.Text;
using System.Text;
using SharpTun.Interop;

namespace SharpTun.Host.Processes;

/// <summary>
/// Reads what a process runs: the target of /proc/PID/exe, as mihomo and sing-box match
/// PROCESS-NAME (its basename) and PROCESS-PATH, else the command name in /proc/PID/comm (kernel
/// threads, or a process root may not inspect). Failures are values: null when the process is gone.
/// </summary>
internal static class ProcessExecutable
{
    // PATH_MAX: readlink of /proc/PID/exe never returns more.
    public const int MaxPathLength = 4096;

    // The kernel appends this to the exe link of a program whose file was deleted or replaced
    // (an upgrade while it runs); the name is still the program's.
    private static ReadOnlySpan<byte> DeletedSuffix => " (deleted)"u8;

    /// <summary>
    /// The executable path of <paramref name="pid"/> into <paramref name="buffer"/> (at least
    /// <see cref="MaxPathLength"/> bytes), without a " (deleted)" suffix; false when it cannot be read.
    /// </summary>
    public static bool TryReadPath(int pid, Span<byte> buffer, out int length)
    {
        Span<byte> path = stackalloc byte[32];
        "/proc/"u8.CopyTo(path);
        Utf8Formatter.TryFormat(pid, path[6..], out var digits);
        "/exe\0"u8.CopyTo(path[(6 + digits)..]);
        var read = Libc.ReadLink(path[..(6 + digits + 5)], buffer);
        length = (int)read;
        if (read <= 0 || read >= buffer.Length || buffer[0] != (byte)'/')
            return false;
        if (buffer[..length].EndsWith(DeletedSuffix))
            length -= DeletedSuffix.Length;
        return true;
    }

    /// <summary>The last component of a path: <c>curl</c> for <c>/usr/bin/curl</c>.</summary>
    public static ReadOnlySpan<byte> BaseName(ReadOnlySpan<byte> path) => path[(path.LastIndexOf((byte)'/') + 1)..];

    /// <summary>The command name of <paramref name="pid"/> (/proc/PID/comm, at most 15 bytes), or null when the process is gone.</summary>
    public static string? ReadCommand(int pid)
    {
        Span<byte> path = stackalloc byte[32];
        "/proc/"u8.CopyTo(path);
        Utf8Formatter.TryFormat(pid, path[6..], out var digits);
        "/comm\0"u8.CopyTo(path[(6 + digits)..]);
        var fd = Libc.Open(path[..(6 + digits + 6)], Libc.O_RDONLY | Libc.O_CLOEXEC);
        if (fd < 0)
            return null;
        using var handle = new FileDescriptorHandle(fd);
        Span<byte> comm = stackalloc byte[64];
        var read = Libc.Read(handle, comm);
        if (read <= 0)
            return null;
        var name = comm[..(int)read].TrimEnd((byte)'\n');
        return name.IsEmpty ? null : Encoding.UTF8.GetString(name);
    }
}
