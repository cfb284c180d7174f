using System.Text.Json;
using SharpTun.Interop;

namespace SharpTun.Host.Journal;

/// <summary>
/// An append-only record of the changes this process makes to the host, one JSON line each, in
/// <c>DIRECTORY/PID.journal</c>. The first line names the owner (pid, start time, network
/// namespace). <see cref="Record"/> writes and fsyncs a change's line <em>before</em> the caller
/// applies it, so after a crash <see cref="OrphanCleanup"/> can undo everything that may have been
/// applied. <see cref="Undo"/> reverts the changes newest first and deletes the file. Thread-safe.
/// </summary>
public sealed class HostJournal : IDisposable
{
    /// <summary>Where journals live unless told otherwise; /run is emptied at boot, as are the changes.</summary>
    public const string DefaultDirectory = "/run/sharptun";

    private readonly Lock _lock = new();
    private readonly List<(long Sequence, HostChange Change)> _changes = [];
    private FileStream? _stream;
    private long _sequence;

    private HostJournal(string path, JournalHeader header, FileStream stream)
    {
        Path = path;
        Header = header;
        _stream = stream;
    }

    public string Path { get; }

    public JournalHeader Header { get; }

    /// <summary>
    /// Starts the journal of this process in <paramref name="directory"/> (default
    /// <see cref="DefaultDirectory"/>), owned by the calling thread's network namespace. A journal
    /// left under this pid by an earlier process is cleaned up first.
    /// </summary>
    public static HostJournal Create(string? directory = null)
    {
        if (!OperatingSystem.IsLinux())
            throw new PlatformNotSupportedException("the host journal records Linux network changes");
        directory ??= DefaultDirectory;
        var pid = Environment.ProcessId;
        var path = System.IO.Path.Combine(directory, $"{pid}.journal");
        var id = NetworkNamespaceId.Current();
        var startTime = ProcessStartTime.Read(pid) ?? throw new InvalidOperationException($"cannot read /proc/{pid}/stat");
        var header = new JournalHeader(JournalHeader.CurrentVersion, pid, startTime, id, NetworkNamespaces.FindName(id), NetworkNamespaceCookie.Current());
        FileStream stream;
        try
        {
            Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            if (File.Exists(path))
                OrphanCleanup.CleanupJournal(path);
            stream = new FileStream(path, new FileStreamOptions
            {
                Mode = FileMode.CreateNew,
                Access = FileAccess.Write,
                Share = FileShare.Read,
                UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
            });
        }
        catch (UnauthorizedAccessException e)
        {
            // Every host change is journaled first, so without the journal nothing may change.
            throw new UnauthorizedAccessException(
                $"cannot write the host-change journal in {directory}: permission denied (run as root or grant CAP_NET_ADMIN with write access to {directory})", e);
        }
        var journal = new HostJournal(path, header, stream);
        journal.Append(JsonSerializer.SerializeToUtf8Bytes(header, JournalJsonContext.Default.JournalHeader));
        return journal;
    }

    /// <summary>Writes <paramref name="change"/> to disk (fsync) and returns its sequence number. Apply the change only after this returns.</summary>
    public long Record(HostChange change)
    {
        lock (_lock)
        {
            var sequence = ++_sequence;
            Append(JsonSerializer.SerializeToUtf8Bytes(new JournalLine(sequence, change), JournalJsonContext.Default.JournalLine));
            _changes.Add((sequence, change));
            return sequence;
        }
    }

    /// <summary>Marks a recorded change as not applied (applying it failed), so undo leaves it alone.</summary>
    public void MarkNotApplied(long sequence)
    {
        lock (_lock)
        {
            Append(JsonSerializer.SerializeToUtf8Bytes(new JournalLine(++_sequence, NotApplied: sequence), JournalJsonContext.Default.JournalLine));
            _changes.RemoveAll(c => c.Sequence == sequence);
        }
    }

    /// <summary>
    /// Undoes every recorded change, newest first, in the namespace of <paramref name="context"/>;
    /// a failure is reported and the rest still run. Deletes the journal file. Later calls do nothing.
    /// </summary>
    public UndoReport Undo(UndoContext context)
    {
        lock (_lock)
        {
            if (_stream is null)
                return UndoReport.Empty;
            var newestFirst = new List<HostChange>(_changes.Count);
            for (var i = _changes.Count - 1; i >= 0; i--)
                newestFirst.Add(_changes[i].Change);
            var report = UndoAll(newestFirst, context, []);
            _changes.Clear();
            _stream.Dispose();
            _stream = null;
            File.Delete(Path);
            return report;
        }
    }

    /// <summary>
    /// Forgets every recorded change and deletes the journal: the changes are meant to outlive this
    /// process (a device made with <c>tun add --persist</c>). Later calls do nothing.
    /// </summary>
    public void Forget()
    {
        lock (_lock)
        {
            if (_stream is null)
                return;
            _changes.Clear();
            _stream.Dispose();
            _stream = null;
            File.Delete(Path);
        }
    }

    /// <summary>Closes the file without undoing: what is recorded stays for <see cref="OrphanCleanup"/>.</summary>
    public void Dispose()
    {
        lock (_lock)
        {
            _stream?.Dispose();
            _stream = null;
        }
    }

    /// <summary>
    /// Undoes <paramref name="newestFirst"/> in order. "Already gone" errors count as success; any
    /// other failure is recorded and the remaining changes are still undone.
    /// </summary>
    internal static UndoReport UndoAll(IReadOnlyList<HostChange> newestFirst, UndoContext context, IReadOnlyList<string> notes)
    {
        var outcomes = new List<UndoOutcome>(newestFirst.Count);
        foreach (var change in newestFirst)
        {
            try
            {
                change.Undo(context);
                outcomes.Add(new UndoOutcome(change, UndoResult.Undone));
            }
            catch (InteropException e) when (e.Errno is Errno.ENOENT or Errno.ESRCH or Errno.ENODEV or Errno.EADDRNOTAVAIL)
            {
                outcomes.Add(new UndoOutcome(change, UndoResult.AlreadyGone));
            }
            catch (Exception e)
            {
                // Undo must go on whatever one change throws: the rest still need reverting.
                outcomes.Add(new UndoOutcome(change, UndoResult.Failed, e.Message));
            }
        }
        return new UndoReport(outcomes, notes);
    }

    private void Append(byte[] json)
    {
        var stream = _stream ?? throw new ObjectDisposedException(Path, "the journal was undone or closed");
        // One write per line, newline included, then fsync: a crash leaves at most a torn last
        // line, which readers ignore.
        var line = new byte[json.Length + 1];
        json.CopyTo(line, 0);
        line[^1] = (byte)'\n';
        stream.Write(line);
        stream.Flush(flushToDisk: true);
    }
}
