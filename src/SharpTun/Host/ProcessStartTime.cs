namespace SharpTun.Host;

/// <summary>
/// A process's start time from <c>/proc/PID/stat</c> field 22 (clock ticks since boot). Together
/// with the pid it identifies a process even after the pid is reused.
/// </summary>
public static class ProcessStartTime
{
    private const int StartTimeField = 22;

    /// <summary>The start time of process <paramref name="pid"/>, or null when no such process exists.</summary>
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
    /// Field 22 of a stat line. Field 2 is the command name in parentheses and may itself contain
    /// spaces and ')', so fields are counted from the last ')'.
    /// </summary>
    public static ulong? Parse(string stat)
    {
        var end = stat.LastIndexOf(')');
        if (end < 0)
            return null;
        var fields = stat[(end + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        const int index = StartTimeField - 3; // the first field after ')' is field 3
        return fields.Length > index && ulong.TryParse(fields[index], out var ticks) ? ticks : null;
    }
}
