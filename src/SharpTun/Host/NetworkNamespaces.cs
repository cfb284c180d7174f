using System.Runtime.ExceptionServices;
using SharpTun.Interop;

namespace SharpTun.Host;

/// <summary>Finding and entering network namespaces.</summary>
public static class NetworkNamespaces
{
    /// <summary>Where <c>ip netns add</c> keeps named namespaces (/run/netns on most systems, linked from /var/run).</summary>
    public const string NamedDirectory = "/var/run/netns";

    /// <summary>The name under <see cref="NamedDirectory"/> of namespace <paramref name="id"/>, or null.</summary>
    public static string? FindName(NetworkNamespaceId id)
    {
        if (!Directory.Exists(NamedDirectory))
            return null;
        foreach (var path in Directory.EnumerateFiles(NamedDirectory))
        {
            if (NetworkNamespaceId.TryOf(path) == id)
                return Path.GetFileName(path);
        }
        return null;
    }

    /// <summary>
    /// A path through which namespace <paramref name="id"/> can be entered: a named namespace, or
    /// any live process's <c>/proc/PID/ns/net</c>. Null when the namespace no longer exists (the
    /// kernel frees a namespace, and everything configured inside it, once nothing refers to it).
    /// </summary>
    public static string? FindPath(NetworkNamespaceId id)
    {
        if (FindName(id) is { } name)
            return Path.Combine(NamedDirectory, name);
        foreach (var process in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(process), out _))
                continue;
            var path = Path.Combine(process, "ns/net");
            if (NetworkNamespaceId.TryOf(path) == id)
                return path;
        }
        return null;
    }

    /// <summary>
    /// Runs <paramref name="action"/> on a new OS thread that has entered the namespace at
    /// <paramref name="path"/>; the thread ends afterwards, so the switch never reaches a
    /// thread-pool thread. Exceptions from the action are rethrown on the caller.
    /// </summary>
    public static T RunInside<T>(string path, Func<T> action)
    {
        T result = default!;
        ExceptionDispatchInfo? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                using var handle = File.OpenHandle(path);
                Errno.ThrowIfFailed(Libc.SetNs(handle, Libc.CLONE_NEWNET), $"setns {path}");
                result = action();
            }
            catch (Exception e)
            {
                failure = ExceptionDispatchInfo.Capture(e);
            }
        })
        {
            Name = "sharptun-netns",
        };
        thread.Start();
        thread.Join();
        failure?.Throw();
        return result;
    }
}
