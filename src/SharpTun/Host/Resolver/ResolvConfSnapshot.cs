namespace SharpTun.Host.Resolver;

/// <summary>What a resolver configuration path held.</summary>
public enum ResolvConfEntryKind
{
    /// <summary>Nothing: the path did not exist.</summary>
    Missing,

    /// <summary>A regular file.</summary>
    File,

    /// <summary>A symbolic link (to systemd-resolved's, NetworkManager's or resolvconf's file).</summary>
    Symlink,
}

/// <summary>
/// What <c>/etc/resolv.conf</c> held at one moment, complete enough to put it back byte for byte:
/// a regular file's bytes, permissions and owner; a symlink's target as written (relative or
/// absolute); or nothing. Kept in the host journal, so a crash cannot lose it.
/// </summary>
public sealed record ResolvConfSnapshot
{
    public required ResolvConfEntryKind Kind { get; init; }

    /// <summary>The bytes of a regular file.</summary>
    public byte[]? Content { get; init; }

    /// <summary>Where a symlink points, exactly as readlink(2) gives it.</summary>
    public string? LinkTarget { get; init; }

    /// <summary>The permission bits of a regular file (0644 for the usual resolv.conf).</summary>
    public uint Permissions { get; init; }

    public uint Owner { get; init; }

    public uint Group { get; init; }

    public static ResolvConfSnapshot Missing { get; } = new() { Kind = ResolvConfEntryKind.Missing };

    /// <summary>True when this is a regular file holding exactly <paramref name="content"/>.</summary>
    public bool HoldsExactly(ReadOnlySpan<byte> content) =>
        Kind == ResolvConfEntryKind.File && Content is not null && content.SequenceEqual(Content);

    /// <summary>True when both are the same kind with the same bytes or target (permissions and owner aside).</summary>
    public bool SameEntryAs(ResolvConfSnapshot other) => Kind switch
    {
        ResolvConfEntryKind.File => other.HoldsExactly(Content),
        ResolvConfEntryKind.Symlink => other.Kind == ResolvConfEntryKind.Symlink && other.LinkTarget == LinkTarget,
        _ => other.Kind == Kind,
    };

    public override string ToString() => Kind switch
    {
        ResolvConfEntryKind.File => $"a file of {Content?.Length ?? 0} bytes",
        ResolvConfEntryKind.Symlink => $"a symlink to {LinkTarget}",
        _ => "no file",
    };
}
