using System.Text;
using SharpTun.Interop;

namespace SharpTun.Host;

/// <summary>Resolves user and group names (or numeric ids) to ids, e.g. for a TUN device's owner.</summary>
public static class SystemAccounts
{
    private static readonly Lock Gate = new(); // getpwnam/getgrnam return a shared static buffer

    /// <summary>The uid of a user name or a numeric uid.</summary>
    /// <exception cref="ArgumentException">No such user.</exception>
    public static uint ResolveUser(string nameOrId) =>
        Resolve(nameOrId, Libc.GetUserId) ?? throw new ArgumentException($"no user named '{nameOrId}' (give a user name or a numeric uid)", nameof(nameOrId));

    /// <summary>The gid of a group name or a numeric gid.</summary>
    /// <exception cref="ArgumentException">No such group.</exception>
    public static uint ResolveGroup(string nameOrId) =>
        Resolve(nameOrId, Libc.GetGroupId) ?? throw new ArgumentException($"no group named '{nameOrId}' (give a group name or a numeric gid)", nameof(nameOrId));

    private static uint? Resolve(string nameOrId, LookUp lookUp)
    {
        if (uint.TryParse(nameOrId, out var id))
            return id;
        if (nameOrId.Length == 0 || nameOrId.Contains('\0'))
            return null;
        var name = Encoding.UTF8.GetBytes(nameOrId + "\0");
        lock (Gate)
            return lookUp(name);
    }

    private delegate uint? LookUp(ReadOnlySpan<byte> nameNulTerminated);
}
