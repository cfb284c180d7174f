using System.Diagnostics;
using SharpTun.TestSupport;

namespace SharpTun.EndToEnd.Vpn;

/// <summary>
/// A mount namespace, held open by a sleeping shell, whose /etc is an overlay over the host's: what
/// a program run in it (<see cref="Launcher"/>) writes to /etc lands in a tmpfs that goes with the
/// namespace, never in the host's /etc. It receives the host's later mounts (a new network
/// namespace's /run/netns file) but sends none back.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class PrivateEtc : IDisposable
{
    private readonly Process _holder;

    private PrivateEtc(Process holder, string scratch)
    {
        _holder = holder;
        Scratch = scratch;
    }

    /// <summary>A tmpfs inside the namespace (an empty directory outside it) for files the setup needs.</summary>
    public string Scratch { get; }

    /// <summary>Runs the rest of a command line inside the namespace; nsenter execs it, so its pid is the command's.</summary>
    public IReadOnlyList<string> Launcher => ["nsenter", "-t", _holder.Id.ToString(System.Globalization.CultureInfo.InvariantCulture), "-m", "--"];

    /// <summary>
    /// Creates the namespace, then runs <paramref name="setup"/> (shell commands) inside it, where
    /// <c>$S</c> is <see cref="Scratch"/>: e.g. make /etc/resolv.conf a symlink, or /etc read-only.
    /// </summary>
    public static PrivateEtc Create(string setup)
    {
        var scratch = Directory.CreateTempSubdirectory("sharptun-private-etc-").FullName;
        var script = $"""
            set -e
            S={scratch}
            mount -t tmpfs sharptun-test "$S"
            mkdir "$S/upper" "$S/work"
            mount -t overlay overlay -o "lowerdir=/etc,upperdir=$S/upper,workdir=$S/work" /etc
            {setup}
            echo ready
            exec sleep 600
            """;
        var holder = SharpTun.TestSupport.Run.Start("unshare", ["--mount", "--propagation", "slave", "--", "sh", "-c", script]);
        var etc = new PrivateEtc(holder, scratch);
        try
        {
            var line = holder.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(10)).Result;
            if (line != "ready")
                throw new InvalidOperationException($"the private /etc could not be set up: {holder.StandardError.ReadToEnd()}");
        }
        catch
        {
            etc.Dispose();
            throw;
        }
        return etc;
    }

    /// <summary>The path through which the test (outside) reaches <paramref name="path"/> as the namespace sees it.</summary>
    public string Outside(string path) => $"/proc/{_holder.Id}/root{path}";

    /// <summary>Runs a command inside the namespace to completion.</summary>
    public RunResult Run(params string[] command) => SharpTun.TestSupport.Run.Command(Launcher[0], [.. Launcher.Skip(1), .. command], VpnLab.CommandTimeout);

    /// <summary>Ends the holder; the namespace, its overlay and tmpfs go with it (nothing else holds them).</summary>
    public void Dispose()
    {
        if (!_holder.HasExited)
        {
            _holder.Kill();
            _holder.WaitForExit();
        }
        _holder.Dispose();
        Directory.Delete(Scratch);
    }
}
