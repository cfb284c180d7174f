using System.Runtime.InteropServices;
using System.Text;
using SharpTun.Interop;

namespace SharpTun.Host.Resolver;

/// <summary>
/// Reading and replacing <c>/etc/resolv.conf</c> safely. A replacement is written to a temporary
/// file in the same directory, fsynced and renamed over the path, so a reader (every program that
/// resolves a name) sees the old file or the new one, never half of either. A bind mount over the
/// file (Docker's, or the one <c>ip netns exec</c> puts there from /etc/netns/NAME) cannot be
/// renamed over (EBUSY): it is rewritten in place instead, which is not atomic.
/// </summary>
internal static class ResolvConfFile
{
    /// <summary>Where the C library's resolver reads its configuration (resolv.conf(5)).</summary>
    public const string DefaultPath = "/etc/resolv.conf";

    /// <summary>More than any resolver configuration needs; a larger file is refused rather than journaled.</summary>
    public const int MaximumSize = 1 << 20;

    private const uint DefaultPermissions = 0b110_100_100; // 0644: every program must read it

    /// <summary>What <paramref name="path"/> holds now (a symlink is read, not followed).</summary>
    public static ResolvConfSnapshot Read(string path)
    {
        if (Libc.StatEntry(Nul(path), out var status) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            if (errno == Errno.ENOENT)
                return ResolvConfSnapshot.Missing;
            Errno.Throw(errno, $"cannot read {path}");
        }
        if (status.IsSymbolicLink)
            return new ResolvConfSnapshot { Kind = ResolvConfEntryKind.Symlink, LinkTarget = new FileInfo(path).LinkTarget };
        if (!status.IsRegularFile)
            throw new InvalidOperationException($"{path} is neither a file nor a symlink (st_mode 0{Convert.ToString(status.Mode, 8)}); SharpTun leaves it alone");
        if (status.Size > MaximumSize)
            throw new InvalidOperationException($"{path} is {status.Size} bytes long, more than the {MaximumSize} a resolver configuration can need; SharpTun leaves it alone");
        return new ResolvConfSnapshot
        {
            Kind = ResolvConfEntryKind.File,
            Content = File.ReadAllBytes(path),
            Permissions = status.Permissions,
            Owner = status.Uid,
            Group = status.Gid,
        };
    }

    /// <summary>The temporary file a replacement of <paramref name="path"/> is written to first: hidden, next to it, named after this process.</summary>
    public static string TemporaryPathFor(string path) =>
        Path.Combine(Path.GetDirectoryName(path) ?? "/", $".{Path.GetFileName(path)}.sharptun-{Environment.ProcessId}");

    /// <summary>
    /// Replaces <paramref name="path"/> (a file, a symlink or nothing) with a file holding
    /// <paramref name="content"/>, through <paramref name="temporaryPath"/> and rename(2). The new
    /// file gets <paramref name="like"/>'s permissions and owner when that is a file, else 0644.
    /// Throws an <see cref="InteropException"/> with EBUSY, leaving everything as it was, when
    /// <paramref name="path"/> is a mount point.
    /// </summary>
    public static void ReplaceAtomically(string path, string temporaryPath, ReadOnlySpan<byte> content, ResolvConfSnapshot like)
    {
        if (!OperatingSystem.IsLinux())
            throw new PlatformNotSupportedException("resolv.conf is replaced on Linux only");
        File.Delete(temporaryPath);
        using (var stream = new FileStream(temporaryPath, new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.Write,
            Share = FileShare.ReadWrite,
            UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
        }))
        {
            try
            {
                var isFile = like.Kind == ResolvConfEntryKind.File;
                // Not through the create mode: the umask would clear bits of it.
                File.SetUnixFileMode(stream.SafeFileHandle, (UnixFileMode)(isFile ? like.Permissions : DefaultPermissions));
                if (isFile)
                    Errno.ThrowIfFailed(Libc.Fchown(stream.SafeFileHandle, like.Owner, like.Group), $"fchown {temporaryPath}");
                stream.Write(content);
                stream.Flush(flushToDisk: true);
            }
            catch
            {
                stream.Dispose();
                File.Delete(temporaryPath);
                throw;
            }
        }
        RenameOver(temporaryPath, path);
    }

    /// <summary>Replaces <paramref name="path"/> with a symlink to <paramref name="target"/>, through <paramref name="temporaryPath"/> and rename(2).</summary>
    public static void ReplaceWithSymlink(string path, string temporaryPath, string target)
    {
        File.Delete(temporaryPath);
        File.CreateSymbolicLink(temporaryPath, target);
        RenameOver(temporaryPath, path);
    }

    /// <summary>
    /// Writes <paramref name="content"/> into the existing file <paramref name="path"/> (truncate,
    /// write, fsync): the way to change a file that is a bind mount. Readers may see it empty for
    /// a moment.
    /// </summary>
    public static void RewriteInPlace(string path, ReadOnlySpan<byte> content)
    {
        using var stream = new FileStream(path, new FileStreamOptions { Mode = FileMode.Truncate, Access = FileAccess.Write, Share = FileShare.ReadWrite });
        stream.Write(content);
        stream.Flush(flushToDisk: true);
    }

    /// <summary>
    /// Checks, changing nothing, that <paramref name="path"/> can be replaced (its directory is
    /// writable) or, with <paramref name="inPlace"/>, rewritten; throws an <see cref="InteropException"/>
    /// naming what is not writable and why (EROFS: a read-only file system, EACCES: not root, EPERM: immutable).
    /// </summary>
    public static void CheckWritable(string path, bool inPlace)
    {
        var target = inPlace ? path : Path.GetDirectoryName(path) ?? "/";
        if (Libc.Access(Nul(target), inPlace ? Libc.W_OK : Libc.W_OK | Libc.X_OK) != 0)
            Errno.Throw(Marshal.GetLastPInvokeError(), $"{target} is not writable", errno => errno switch
            {
                Errno.EACCES => "run as root",
                Errno.EPERM => "is it immutable? lsattr shows an 'i'",
                _ => null,
            });
    }

    private static void RenameOver(string temporaryPath, string path)
    {
        if (Libc.Rename(Nul(temporaryPath), Nul(path)) == 0)
            return;
        var errno = Marshal.GetLastPInvokeError();
        File.Delete(temporaryPath);
        Errno.Throw(errno, $"rename {temporaryPath} {path}", e => e == Errno.EBUSY ? $"{path} is a mount point" : null);
    }

    private static byte[] Nul(string path) => Encoding.UTF8.GetBytes(path + "\0");
}
