using System.Runtime.InteropServices;

namespace SharpTun.Interop;

internal static unsafe partial class Libc
{
    // struct passwd and struct group (glibc, LP64): two char* fields, then pw_uid / gr_gid.
    private const int IdOffset = 2 * 8;

    /// <summary>
    /// getpwnam(3) through NSS (so LDAP/systemd users resolve too): the uid of
    /// <paramref name="nameNulTerminated"/>, or null when there is no such user. Not reentrant:
    /// call under a lock.
    /// </summary>
    public static uint? GetUserId(ReadOnlySpan<byte> nameNulTerminated)
    {
        fixed (byte* name = nameNulTerminated)
        {
            var entry = getpwnam(name);
            return entry is null ? null : *(uint*)(entry + IdOffset);
        }
    }

    /// <summary>getgrnam(3): the gid of the group, or null when there is no such group. Not reentrant.</summary>
    public static uint? GetGroupId(ReadOnlySpan<byte> nameNulTerminated)
    {
        fixed (byte* name = nameNulTerminated)
        {
            var entry = getgrnam(name);
            return entry is null ? null : *(uint*)(entry + IdOffset);
        }
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial byte* getpwnam(byte* name);

    [LibraryImport("libc", SetLastError = true)]
    private static partial byte* getgrnam(byte* name);
}
