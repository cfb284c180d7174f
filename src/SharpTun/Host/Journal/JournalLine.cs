namespace SharpTun.Host.Journal;

/// <summary>
/// A journal line after the header: either <see cref="Change"/> (about to be applied) or
/// <see cref="NotApplied"/> (the sequence number of a change whose apply failed, so undo skips it).
/// </summary>
internal sealed record JournalLine(long Sequence, HostChange? Change = null, long? NotApplied = null);
