using System.Text;

namespace SharpTun.Host.Resolver;

/// <summary>One line of /proc/PID/mountinfo: the file system (<c>MAJOR:MINOR</c>), the path inside it that is mounted, and where.</summary>
internal sealed record MountEntry(string Device, string Root, string MountPoint);

/// <summary>
/// The mounts of this process's mount namespace, from <c>/proc/self/mountinfo</c> (proc(5)): enough
/// to tell that /etc/resolv.conf is a bind mount and where the mounted file can be found without it.
/// </summary>
internal sealed class MountTable(IReadOnlyList<MountEntry> entries)
{
    public IReadOnlyList<MountEntry> Entries { get; } = entries;

    public static MountTable ReadCurrent() => Parse(File.ReadAllText("/proc/self/mountinfo"));

    /// <summary>Parses mountinfo text; lines too short to hold the fields are skipped.</summary>
    public static MountTable Parse(string text)
    {
        var entries = new List<MountEntry>();
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            // ID PARENT MAJOR:MINOR ROOT MOUNT-POINT OPTIONS ... - TYPE SOURCE SUPER-OPTIONS
            var fields = line.Split(' ');
            if (fields.Length >= 5)
                entries.Add(new MountEntry(fields[2], Unescape(fields[3]), Unescape(fields[4])));
        }
        return new MountTable(entries);
    }

    /// <summary>True when something is mounted on <paramref name="path"/> (an absolute path without symlinks).</summary>
    public bool IsMountPoint(string path) => MountedOn(path) is not null;

    /// <summary>
    /// Where the file mounted on <paramref name="path"/> is reachable through another mount of the
    /// same file system: for <c>ip netns exec NAME</c>'s bind mount of /etc/netns/NAME/resolv.conf
    /// onto /etc/resolv.conf, that is /etc/netns/NAME/resolv.conf. Null when nothing is mounted
    /// there or its file system is not mounted elsewhere in this namespace (a container's).
    /// </summary>
    public string? SourcePathOf(string path)
    {
        if (MountedOn(path) is not { } mount)
            return null;
        string? best = null;
        var bestRootLength = -1;
        foreach (var other in Entries)
        {
            if (other.Device != mount.Device || other.MountPoint == path || other.Root.Length <= bestRootLength)
                continue;
            var prefix = other.Root == "/" ? "/" : other.Root + "/";
            if (!mount.Root.StartsWith(prefix, StringComparison.Ordinal))
                continue;
            best = Path.Combine(other.MountPoint, mount.Root[prefix.Length..]);
            bestRootLength = other.Root.Length;
        }
        return best;
    }

    /// <summary>The mount on <paramref name="path"/> that is visible: the last one listed (mounts stack in order).</summary>
    private MountEntry? MountedOn(string path)
    {
        for (var i = Entries.Count - 1; i >= 0; i--)
        {
            if (Entries[i].MountPoint == path)
                return Entries[i];
        }
        return null;
    }

    /// <summary>Undoes the kernel's octal escapes of space, tab, newline and backslash (<c>\040</c>).</summary>
    private static string Unescape(string field)
    {
        if (!field.Contains('\\'))
            return field;
        var text = new StringBuilder(field.Length);
        for (var i = 0; i < field.Length; i++)
        {
            if (field[i] == '\\' && i + 3 < field.Length && IsOctal(field.AsSpan(i + 1, 3)))
            {
                text.Append((char)Convert.ToInt32(field.Substring(i + 1, 3), 8));
                i += 3;
            }
            else
            {
                text.Append(field[i]);
            }
        }
        return text.ToString();
    }

    private static bool IsOctal(ReadOnlySpan<char> digits)
    {
        foreach (var digit in digits)
        {
            if (digit is < '0' or > '7')
                return false;
        }
        return true;
    }
}
