using SharpTun.Interop;

namespace SharpTun.Host;

/// <summary>
/// Reads and writes kernel parameters under /proc/sys, named as sysctl(8) names them
/// (<c>net.ipv4.ip_forward</c>). Parameters under <c>net.</c> belong to the network namespace of the
/// calling thread: the kernel resolves /proc/sys/net through the opening task's namespace.
/// </summary>
public static class Sysctl
{
    private const string Root = "/proc/sys";

    /// <summary>The current value, trimmed (<c>"1"</c>). A parameter this kernel does not have throws ENOENT.</summary>
    public static string Read(string name)
    {
        var path = PathOf(name);
        try
        {
            return File.ReadAllText(path).Trim();
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw Missing(name);
        }
        catch (UnauthorizedAccessException)
        {
            throw new InteropException($"read sysctl {name}", Errno.EACCES, hint: Errno.CommonHint(Errno.EACCES));
        }
    }

    /// <summary>Sets the parameter (one write, as <c>sysctl -w</c> does); a value the kernel refuses throws with its reason.</summary>
    public static void Write(string name, string value)
    {
        var path = PathOf(name);
        try
        {
            using var file = new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite, bufferSize: 0);
            file.Write(System.Text.Encoding.ASCII.GetBytes(value + "\n"));
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw Missing(name);
        }
        catch (UnauthorizedAccessException)
        {
            throw new InteropException($"set sysctl {name}={value}", Errno.EACCES, hint: "run as root");
        }
        catch (IOException e) when (e is not InteropException)
        {
            throw new IOException($"set sysctl {name}={value}: {e.Message}", e);
        }
    }

    /// <summary>/proc/sys/net/ipv4/ip_forward for net.ipv4.ip_forward. Names are checked so a journal line cannot point elsewhere.</summary>
    public static string PathOf(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        var parts = name.Split('.');
        foreach (var part in parts)
        {
            if (part.Length == 0 || part is ".." || !part.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-'))
                throw new ArgumentException($"'{name}' is not a sysctl name such as net.ipv4.ip_forward", nameof(name));
        }
        return Path.Combine([Root, .. parts]);
    }

    private static InteropException Missing(string name) =>
        new($"sysctl {name}", Errno.ENOENT, hint: "this kernel or network namespace has no such parameter (is the module loaded, or IPv6 disabled?)");
}
