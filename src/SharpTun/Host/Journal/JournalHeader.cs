namespace SharpTun.Host.Journal;

/// <summary>
/// The first line of a journal: which process owns it and in which network namespace its changes
/// were made. <see cref="StartTime"/> tells a live owner from an unrelated process that got the
/// same pid later; <see cref="NamespaceCookie"/> tells the namespace from a later one that got the
/// same inode number.
/// </summary>
public sealed record JournalHeader(int Version, int Pid, ulong StartTime, NetworkNamespaceId Namespace, string? NamespaceName, ulong? NamespaceCookie)
{
    public const int CurrentVersion = 1;
}
