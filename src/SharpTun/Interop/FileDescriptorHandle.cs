using System.Runtime.InteropServices;

namespace SharpTun.Interop;

/// <summary>
/// Owns a file descriptor and closes it once. Passed to <c>[LibraryImport]</c> calls, which take
/// a reference for the duration of each call, so disposing from another thread while a read is in
/// progress delays the close() until that read returns instead of racing with fd reuse.
/// </summary>
internal sealed class FileDescriptorHandle : SafeHandle
{
    public FileDescriptorHandle() : base(-1, ownsHandle: true)
    {
    }

    public FileDescriptorHandle(int fd) : base(-1, ownsHandle: true) => SetHandle(fd);

    public override bool IsInvalid => (int)handle < 0;

    protected override bool ReleaseHandle() => Libc.Close((int)handle) == 0;
}
