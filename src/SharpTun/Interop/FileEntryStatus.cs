namespace SharpTun.Interop;

/// <summary>What <see cref="Libc.StatEntry"/> reports about a directory entry (not following a symlink).</summary>
internal readonly record struct FileEntryStatus(uint Mode, uint Uid, uint Gid, ulong Size)
{
    private const uint TypeMask = 0xf000, RegularFile = 0x8000, SymbolicLink = 0xa000;

    public bool IsRegularFile => (Mode & TypeMask) == RegularFile;

    public bool IsSymbolicLink => (Mode & TypeMask) == SymbolicLink;

    /// <summary>The permission bits (rwx for owner, group, others, plus setuid, setgid, sticky).</summary>
    public uint Permissions => Mode & 0xfff;
}
