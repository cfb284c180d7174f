namespace SharpTun.Host.Processes;

/// <summary>
/// The pids that owned the most recently resolved sockets, most recent first: where a new socket
/// is most likely to be, since a few programs (a browser, a package manager) open most new flows.
/// Not thread-safe.
/// </summary>
internal sealed class RecentOwners
{
    public const int Capacity = 4;

    private readonly int[] _pids = new int[Capacity];
    private int _count;

    /// <summary>Makes <paramref name="pid"/> the most recent, dropping the least recent when full.</summary>
    public void Touch(int pid)
    {
        var position = Array.IndexOf(_pids, pid, 0, _count);
        if (position < 0)
            position = _count < Capacity ? _count++ : Capacity - 1;
        Array.Copy(_pids, 0, _pids, 1, position);
        _pids[0] = pid;
    }

    /// <summary>Copies the pids, most recent first, into <paramref name="destination"/>; returns how many.</summary>
    public int CopyTo(Span<int> destination)
    {
        _pids.AsSpan(0, _count).CopyTo(destination);
        return _count;
    }
}
