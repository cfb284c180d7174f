namespace SharpTun.Host.Journal;

/// <summary>How undoing one change went.</summary>
public enum UndoResult
{
    /// <summary>The change was reverted.</summary>
    Undone,

    /// <summary>The change was already gone (ENOENT, ESRCH, ENODEV, EADDRNOTAVAIL): nothing to do.</summary>
    AlreadyGone,

    /// <summary>Reverting failed; <see cref="UndoOutcome.Error"/> says why. Later undos still ran.</summary>
    Failed,
}

/// <summary>The result of undoing one journaled change.</summary>
public sealed record UndoOutcome(HostChange Change, UndoResult Result, string? Error = null)
{
    public override string ToString() => Result switch
    {
        UndoResult.Undone => $"undid {Change}",
        UndoResult.AlreadyGone => $"{Change}: already gone",
        _ => $"could not undo {Change}: {Error}",
    };
}
