using System.Buffers.Text;
using SharpTun.Interop;

namespace SharpTun.Host.Processes;

/// <summary>
/// Finds which process holds which socket by reading the symlinks in /proc/PID/fd: a socket's
/// reads <c>socket:[INODE]</c>. Every failure (a process that exits during the scan, a directory
/// root may not read because of a missing CAP_SYS_PTRACE or a hidepid mount) skips that process:
/// a scan never throws. Threads that unshared their fd table (rare) are not visited: /proc lists
/// only thread-group leaders. Allocation-free apart from the index it fills.
/// </summary>
internal sealed class ProcSocketScanner
{
    // getdents64 fills at most this much per call; /proc/PID/fd of a process with 1000 fds is ~30 KiB.
    private const int EntriesBufferSize = 32 * 1024;
    private const int LinkBufferSize = 64;

    private readonly byte[] _processEntries = new byte[EntriesBufferSize];
    private readonly byte[] _fdEntries = new byte[EntriesBufferSize];

    /// <summary>How many fd symlinks the last <see cref="ScanAll"/> read (for cost reports).</summary>
    public int LinksRead { get; private set; }

    /// <summary>How many processes the last <see cref="ScanAll"/> visited.</summary>
    public int ProcessesVisited { get; private set; }

    /// <summary>Every socket of every process, by inode (the first holder found when several share one).</summary>
    public Dictionary<uint, SocketHolder> ScanAll()
    {
        var index = new Dictionary<uint, SocketHolder>();
        LinksRead = 0;
        ProcessesVisited = 0;
        var proc = Libc.Open("/proc\0"u8, Libc.O_RDONLY | Libc.O_CLOEXEC);
        if (proc < 0)
            return index;
        try
        {
            nint filled;
            while ((filled = Libc.GetDirectoryEntries(proc, _processEntries)) > 0)
            {
                var entries = new DirectoryEntries(_processEntries.AsSpan(0, (int)filled));
                while (entries.TryNext(out var type, out var name))
                {
                    if (type == Libc.DT_DIR && TryParseNumber(name[..^1], out var pid))
                    {
                        ProcessesVisited++;
                        LinksRead += ScanProcess(pid, index);
                    }
                }
            }
        }
        finally
        {
            Libc.Close(proc);
        }
        return index;
    }

    /// <summary>
    /// Adds the sockets that process <paramref name="pid"/> holds to <paramref name="index"/> (a
    /// socket already there keeps its holder); returns how many fd symlinks were read, 0 when the
    /// process is gone or unreadable.
    /// </summary>
    public int ScanProcess(int pid, Dictionary<uint, SocketHolder> index)
    {
        Span<byte> path = stackalloc byte[32];
        var directory = Libc.Open(FdDirectoryPath(pid, path), Libc.O_RDONLY | Libc.O_CLOEXEC);
        if (directory < 0)
            return 0;
        var links = 0;
        Span<byte> target = stackalloc byte[LinkBufferSize];
        try
        {
            nint filled;
            while ((filled = Libc.GetDirectoryEntries(directory, _fdEntries)) > 0)
            {
                var entries = new DirectoryEntries(_fdEntries.AsSpan(0, (int)filled));
                while (entries.TryNext(out var type, out var name))
                {
                    if (type != Libc.DT_LNK || !TryParseNumber(name[..^1], out var fd))
                        continue;
                    links++;
                    var length = Libc.ReadLinkAt(directory, name, target);
                    if (length > 0 && TryParseSocketLink(target[..(int)length], out var inode))
                        index.TryAdd(inode, new SocketHolder(pid, fd));
                }
            }
        }
        finally
        {
            Libc.Close(directory);
        }
        return links;
    }

    /// <summary>
    /// True when process <paramref name="holder"/>.ProcessId still holds socket
    /// <paramref name="inode"/> at that fd: one readlink, which also fails once the process is gone.
    /// </summary>
    public static bool StillHolds(SocketHolder holder, uint inode)
    {
        Span<byte> path = stackalloc byte[48];
        Span<byte> target = stackalloc byte[LinkBufferSize];
        var length = Libc.ReadLink(FdPath(holder.ProcessId, holder.FileDescriptor, path), target);
        return length > 0 && TryParseSocketLink(target[..(int)length], out var found) && found == inode;
    }

    /// <summary>Reads the inode out of a <c>socket:[INODE]</c> symlink target; false for any other target.</summary>
    public static bool TryParseSocketLink(ReadOnlySpan<byte> target, out uint inode)
    {
        inode = 0;
        var prefix = "socket:["u8;
        return target.Length > prefix.Length + 1 && target.StartsWith(prefix) && target[^1] == (byte)']'
            && TryParseInode(target[prefix.Length..^1], out inode);
    }

    private static bool TryParseNumber(ReadOnlySpan<byte> digits, out int value)
    {
        // Digits only: Utf8Parser would also take a sign.
        value = 0;
        return digits.Length > 0 && (uint)(digits[0] - '0') <= 9
            && Utf8Parser.TryParse(digits, out value, out var consumed) && consumed == digits.Length;
    }

    private static bool TryParseInode(ReadOnlySpan<byte> digits, out uint value)
    {
        value = 0;
        return digits.Length > 0 && (uint)(digits[0] - '0') <= 9
            && Utf8Parser.TryParse(digits, out value, out var consumed) && consumed == digits.Length;
    }

    /// <summary><c>/proc/PID/fd</c>, NUL-terminated, in <paramref name="buffer"/>.</summary>
    private static ReadOnlySpan<byte> FdDirectoryPath(int pid, Span<byte> buffer)
    {
        "/proc/"u8.CopyTo(buffer);
        Utf8Formatter.TryFormat(pid, buffer[6..], out var digits);
        var length = 6 + digits;
        "/fd\0"u8.CopyTo(buffer[length..]);
        return buffer[..(length + 4)];
    }

    /// <summary><c>/proc/PID/fd/FD</c>, NUL-terminated, in <paramref name="buffer"/>.</summary>
    private static ReadOnlySpan<byte> FdPath(int pid, int fd, Span<byte> buffer)
    {
        var directory = FdDirectoryPath(pid, buffer).Length - 1;
        buffer[directory] = (byte)'/';
        Utf8Formatter.TryFormat(fd, buffer[(directory + 1)..], out var digits);
        buffer[directory + 1 + digits] = 0;
        return buffer[..(directory + 2 + digits)];
    }
}
