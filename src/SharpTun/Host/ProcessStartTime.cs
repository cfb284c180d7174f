namespace SharpTun.Host;

/// <summary>
/// A process's start time from <c>/proc/PID/stat</c> field 22 (clock ticks since boot). Together
/// with the pid it identifies a process even after the pid is reused.
/// </summary>
public static class ProcessStartTime
{
    private const int StartTimeField = 22;

    /// <summary>
    /// The start time of process <paramref name="pid"/>, or null when no such process exists or it
    /// has already died and is only waiting to be reaped (a zombie: after kill -9 its pid stays in
    /// /proc until the parent, or a slow init, collects it; its journal must count as orphaned).
    /// </summary>
    public static ulong? Read(int pid)
    {
        string stat;
        try
        {
            stat = File.ReadAllText($"/proc/{pid}/stat");
        }
        catch (IOException)
        {
            return null;
        }
        return Parse(stat);
    }

    /// <summary>
    /// Field 22 of a stat line, or null for a process that is a zombie or dead. Field 2 is the command name in parentheses and may itself contain
    /// spaces and ')', so fields are counted from the last ')'.
    /// </summary>
    public static ulong? Parse(string stat)
    {
        var end = stat.LastIndexOf(')');
        if (end < 0)
            return null;
        var fields = stat[(end + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (fields.Length > 0 && fields[0] is "Z" or "X") // field 3, the state: zombie or dead
            return null;
        const int index = StartTimeField - 3; // the first field after ')' is field 3
        return fields.Length > index && ulong.TryParse(fields[index], out var ticks) ? ticks : null;
    }
}
