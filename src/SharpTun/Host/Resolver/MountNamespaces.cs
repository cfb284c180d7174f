namespace SharpTun.Host.Resolver;

/// <summary>Reaching a file as other mount namespaces see it.</summary>
internal static class MountNamespaces
{
    /// <summary>
    /// <paramref name="path"/> as seen by one live process of every mount namespace other than this
    /// process's: <c>/proc/PID/root/etc/resolv.conf</c>. A mount namespace cannot be entered by a
    /// multithreaded process (setns(2) refuses CLONE_NEWNS), but its files can be reached this way.
    /// </summary>
    public static IEnumerable<string> PathsInOthers(string path)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        if (ReadNamespace("/proc/self/ns/mnt") is { } own)
            seen.Add(own);
        foreach (var process in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(process), out _))
                continue;
            if (ReadNamespace(Path.Combine(process, "ns/mnt")) is { } id && seen.Add(id))
                yield return $"{process}/root{path}";
        }
    }

    /// <summary>The namespace a /proc/PID/ns/mnt link names (<c>mnt:[4026531841]</c>), or null for a process that is gone.</summary>
    private static string? ReadNamespace(string link)
    {
        try
        {
            return new FileInfo(link).LinkTarget;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
