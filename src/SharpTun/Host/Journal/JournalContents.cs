using System.Text.Json;

namespace SharpTun.Host.Journal;

/// <summary>A journal file as read back: its owner, the changes that may have been applied (oldest first) and notes on unreadable lines.</summary>
internal sealed record JournalContents(JournalHeader? Header, IReadOnlyList<HostChange> Changes, IReadOnlyList<string> Notes)
{
    /// <summary>
    /// Reads <paramref name="path"/>. Every line is written whole and ends in '\n', so text after
    /// the last '\n' is a line torn by a crash mid-write: it is ignored (its change was never
    /// applied, since a change is applied only after its line is on disk). A missing or torn header
    /// gives a null <see cref="Header"/>: the owner died before it could record anything.
    /// </summary>
    public static JournalContents Read(string path)
    {
        var lines = File.ReadAllText(path).Split('\n');
        var notes = new List<string>();
        if (lines[^1].Length > 0)
            notes.Add($"{path}: ignored an incomplete last line (the writer was interrupted)");
        var complete = lines.AsSpan(0, lines.Length - 1);
        if (complete.IsEmpty || TryParse(complete[0], JournalJsonContext.Default.JournalHeader) is not { } header)
            return new JournalContents(null, [], notes);

        var changes = new List<(long Sequence, HostChange Change)>();
        for (var i = 1; i < complete.Length; i++)
        {
            var line = TryParse(complete[i], JournalJsonContext.Default.JournalLine);
            if (line?.Change is { } change)
                changes.Add((line.Sequence, change));
            else if (line?.NotApplied is { } notApplied)
                changes.RemoveAll(c => c.Sequence == notApplied);
            else
                notes.Add($"{path}: line {i + 1} is not a journal entry and was skipped: {complete[i]}");
        }
        return new JournalContents(header, changes.ConvertAll(c => c.Change), notes);
    }

    private static T? TryParse<T>(string line, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type) where T : class
    {
        try
        {
            return JsonSerializer.Deserialize(line, type);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
