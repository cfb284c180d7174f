using System.Text.Json.Serialization;
using SharpTun.Host.Resolver;
using SharpTun.Interop;

namespace SharpTun.Host.Journal;

/// <summary>
/// SharpTun replaced the resolver configuration <see cref="Path"/> (/etc/resolv.conf) with
/// <see cref="Written"/>; <see cref="Original"/> is what was there (a file's bytes, permissions and
/// owner, or a symlink, or nothing). Undo puts the original back, as a symlink if it was one, unless
/// someone has replaced SharpTun's file since (then it is left alone, and the undo reports it).
/// <see cref="InPlace"/>: the path was a bind mount, so the file was rewritten rather than replaced,
/// and is restored the same way. A bind mount's file may outlive the mount namespace that saw it at
/// that path (<c>ip netns exec</c> makes one per command): <see cref="MountSource"/> is where else
/// it can be found (/etc/netns/NAME/resolv.conf), so that cleanup run from anywhere restores it.
/// A file replaced in another mount namespace that is still alive (a private /etc) is found
/// through its processes' /proc/PID/root.
/// </summary>
public sealed record ResolvConfChange(
    string Path,
    string TemporaryPath,
    byte[] Written,
    ResolvConfSnapshot Original,
    bool InPlace = false,
    string? MountSource = null) : HostChange
{
    /// <summary>A file is not part of a network namespace: it needs restoring after the namespace is gone too.</summary>
    [JsonIgnore]
    public override bool OutlivesNetworkNamespace => true;

    public override void Undo(UndoContext context)
    {
        if (!InPlace)
            File.Delete(TemporaryPath); // left by a crash between writing it and the rename
        string[] candidates = MountSource is null ? [Path] : [Path, MountSource];
        var unchanged = false;
        foreach (var candidate in candidates)
        {
            var current = ResolvConfFile.Read(candidate);
            if (current.HoldsExactly(Written))
            {
                Restore(candidate);
                return;
            }
            unchanged |= current.SameEntryAs(Original);
        }
        if (unchanged)
            return; // never replaced (the process died before the rename), or put back already
        // Made in another mount namespace that is still alive (a private /etc): its file is reachable.
        foreach (var candidate in MountNamespaces.PathsInOthers(Path))
        {
            if (TryRead(candidate)?.HoldsExactly(Written) == true)
            {
                Restore(candidate);
                return;
            }
        }
        if (MountSource is not null && ResolvConfFile.Read(MountSource).Kind == ResolvConfEntryKind.Missing)
            throw new InteropException($"restore {MountSource}", Errno.ENOENT, hint: "the file is gone, and what SharpTun wrote with it");
        var where = MountSource is null ? Path : $"{Path} (or {MountSource})";
        throw new InvalidOperationException(
            $"{where} no longer holds the file SharpTun wrote (something replaced it since, or it was written in a mount namespace that is gone); left alone. It was {Original} before");
    }

    /// <summary>What <paramref name="path"/> holds, or null when it cannot be read (a process that went away meanwhile).</summary>
    private static ResolvConfSnapshot? TryRead(string path)
    {
        try
        {
            return ResolvConfFile.Read(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidOperationException)
        {
            return null;
        }
    }

    private void Restore(string path)
    {
        var temporary = ResolvConfFile.TemporaryPathFor(path);
        switch (Original.Kind)
        {
            case ResolvConfEntryKind.File when InPlace:
                ResolvConfFile.RewriteInPlace(path, Original.Content);
                break;
            case ResolvConfEntryKind.File:
                try
                {
                    ResolvConfFile.ReplaceAtomically(path, temporary, Original.Content, Original);
                }
                catch (InteropException e) when (e.Errno == Errno.EBUSY)
                {
                    // Bind-mounted since: the mounted file is what readers see, so it gets the original.
                    ResolvConfFile.RewriteInPlace(path, Original.Content);
                }
                break;
            case ResolvConfEntryKind.Symlink:
                ResolvConfFile.ReplaceWithSymlink(path, temporary, Original.LinkTarget ?? throw new InvalidOperationException("the journal lost the symlink's target"));
                break;
            default:
                File.Delete(path);
                break;
        }
    }

    public override string ToString() => InPlace
        ? $"{Path} rewritten in place (a bind mount; it held {Original})"
        : $"{Path} replaced (it was {Original})";
}
