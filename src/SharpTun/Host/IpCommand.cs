using System.Diagnostics;

namespace SharpTun.Host;

/// <summary>
/// Runs ip(8) for the one job where it is the interface users expect and SharpTun does not talk to
/// the kernel itself: named network namespaces (<c>ip netns add/del/exec</c>), whose bind mounts
/// and /etc/netns conventions every other tool relies on.
/// </summary>
internal static class IpCommand
{
    /// <summary>Runs <c>ip ARGUMENTS</c>; throws with ip's own message when it fails.</summary>
    public static void Run(params string[] arguments)
    {
        using var ip = Process.Start(new ProcessStartInfo("ip", arguments) { RedirectStandardError = true, RedirectStandardOutput = true })
            ?? throw new InvalidOperationException("cannot run ip(8); install iproute2");
        var error = ip.StandardError.ReadToEndAsync();
        ip.StandardOutput.ReadToEnd();
        ip.WaitForExit();
        if (ip.ExitCode != 0)
            throw new InvalidOperationException($"'ip {string.Join(' ', arguments)}' failed: {error.Result.Trim()}");
    }
}
