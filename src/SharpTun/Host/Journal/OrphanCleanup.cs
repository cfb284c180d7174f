using SharpTun.Interop;

namespace SharpTun.Host.Journal;

/// <summary>What cleanup did with one orphaned journal.</summary>
public enum OrphanAction
{
    /// <summary>The recorded changes were undone (see <see cref="OrphanCleanupResult.Report"/>).</summary>
    Undone,

    /// <summary>
    /// The namespace no longer exists; its changes went with it, and those that outlive it (files)
    /// were undone (see <see cref="OrphanCleanupResult.Report"/>). The journal was removed.
    /// </summary>
    NamespaceGone,

    /// <summary>The journal had no readable header, so its owner died before recording a change. It was removed.</summary>
    NothingRecorded,
}

/// <summary>The outcome for one orphaned journal.</summary>
public sealed record OrphanCleanupResult(string JournalPath, int? Pid, string Namespace, OrphanAction Action, UndoReport Report)
{
    public override string ToString()
    {
        var owner = Pid is null ? JournalPath : $"{JournalPath} (pid {Pid}, namespace {Namespace})";
        return Action switch
        {
            OrphanAction.Undone => $"{owner}: {Report.Outcomes.Count} change(s) undone{(Report.Succeeded ? "" : " with failures")}{Environment.NewLine}{Report}",
            OrphanAction.NamespaceGone when Report.Outcomes.Count == 0 => $"{owner}: the namespace is gone, and its changes with it; journal removed",
            OrphanAction.NamespaceGone => $"{owner}: the namespace is gone, and its changes with it; {Report.Outcomes.Count} change(s) outside it undone{(Report.Succeeded ? "" : " with failures")}{Environment.NewLine}{Report}",
            _ => $"{owner}: nothing recorded; journal removed",
        };
    }
}

/// <summary>
/// Undoes the journals of SharpTun processes that ended without undoing their changes (killed,
/// crashed, power-cut /run survives only until reboot). Call it at every start and from
/// <c>sharptun cleanup</c>.
/// </summary>
public static class OrphanCleanup
{
    /// <summary>
    /// Cleans up every journal in <paramref name="directory"/> (default
    /// <see cref="HostJournal.DefaultDirectory"/>) whose owner is gone: its pid no longer exists,
    /// or belongs to a process with another start time (a reused pid). Changes are undone inside
    /// the network namespace where they were made, entered on a dedicated thread when it is not
    /// the caller's. Journals of live processes are left alone. Returns what was done, per journal.
    /// </summary>
    public static IReadOnlyList<OrphanCleanupResult> Run(string? directory = null)
    {
        directory ??= HostJournal.DefaultDirectory;
        var results = new List<OrphanCleanupResult>();
        if (!Directory.Exists(directory))
            return results;
        foreach (var path in Directory.EnumerateFiles(directory, "*.journal"))
        {
            if (IsOwnerAlive(path))
                continue;
            if (CleanupJournal(path) is { } result)
                results.Add(result);
        }
        return results;
    }

    /// <summary>Undoes and deletes the journal at <paramref name="path"/>, whoever owned it. Null when the file vanished meanwhile.</summary>
    internal static OrphanCleanupResult? CleanupJournal(string path)
    {
        JournalContents contents;
        try
        {
            contents = JournalContents.Read(path);
        }
        catch (FileNotFoundException)
        {
            return null;
        }
        if (contents.Header is not { } header)
        {
            File.Delete(path);
            return new OrphanCleanupResult(path, null, "unknown", OrphanAction.NothingRecorded, new UndoReport([], contents.Notes));
        }

        var newestFirst = new List<HostChange>(contents.Changes);
        newestFirst.Reverse();
        UndoReport? report = null;
        if (NetworkNamespaceId.Current() == header.Namespace)
            report = UndoIfSameNamespace(header, newestFirst, contents.Notes);
        else if (NetworkNamespaces.FindPath(header.Namespace) is { } namespacePath)
            report = NetworkNamespaces.RunInside(namespacePath, () => UndoIfSameNamespace(header, newestFirst, contents.Notes));
        var namespaceName = header.NamespaceName ?? header.Namespace.ToString();
        if (report is null)
        {
            report = UndoOutlivingChanges(newestFirst, contents.Notes);
            File.Delete(path);
            return new(path, header.Pid, namespaceName, OrphanAction.NamespaceGone, report);
        }
        File.Delete(path);
        return new(path, header.Pid, namespaceName, OrphanAction.Undone, report);
    }

    /// <summary>
    /// The namespace took everything made inside it along, but not the changes that outlive it
    /// (/etc/resolv.conf): those are undone here, in the caller's namespace.
    /// </summary>
    private static UndoReport UndoOutlivingChanges(List<HostChange> newestFirst, IReadOnlyList<string> notes)
    {
        var outliving = newestFirst.FindAll(change => change.OutlivesNetworkNamespace);
        if (outliving.Count == 0)
            return new UndoReport([], notes);
        using var context = new UndoContext();
        return HostJournal.UndoAll(outliving, context, notes);
    }

    /// <summary>
    /// Undoes the changes in the calling thread's namespace, unless its cookie shows it is a newer
    /// namespace that merely reuses the recorded inode number (then null: the recorded one is gone).
    /// </summary>
    private static UndoReport? UndoIfSameNamespace(JournalHeader header, IReadOnlyList<HostChange> newestFirst, IReadOnlyList<string> notes)
    {
        if (header.NamespaceCookie is { } recorded && NetworkNamespaceCookie.Current() is { } current && recorded != current)
            return null;
        using var context = new UndoContext();
        return HostJournal.UndoAll(newestFirst, context, notes);
    }

    /// <summary>True when the journal's owner still runs (same pid and same start time).</summary>
    private static bool IsOwnerAlive(string path)
    {
        JournalHeader? header;
        try
        {
            header = JournalContents.Read(path).Header;
        }
        catch (FileNotFoundException)
        {
            return true;
        }
        return header is not null && ProcessStartTime.Read(header.Pid) == header.StartTime;
    }
}
