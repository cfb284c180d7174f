namespace SharpTun.Host.Journal;

/// <summary>What an undo did, change by change, newest first; <see cref="Notes"/> lists journal lines that could not be read.</summary>
public sealed record UndoReport(IReadOnlyList<UndoOutcome> Outcomes, IReadOnlyList<string> Notes)
{
    public static UndoReport Empty { get; } = new([], []);

    /// <summary>True when every change was undone or already gone.</summary>
    public bool Succeeded
    {
        get
        {
            foreach (var outcome in Outcomes)
            {
                if (outcome.Result == UndoResult.Failed)
                    return false;
            }
            return true;
        }
    }

    public override string ToString() => string.Join(Environment.NewLine, [.. Outcomes.Select(o => o.ToString()), .. Notes]);
}
