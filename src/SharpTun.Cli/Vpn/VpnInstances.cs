using System.Text.Json;
using SharpTun.Host;
using SharpTun.Vpn.Config;

namespace SharpTun.Cli.Vpn;

/// <summary>
/// The running <c>vpn up</c> instances, one status file each: <c>/run/sharptun/vpn/NAME.json</c>.
/// The file is created exclusively when <c>up</c> starts (so two <c>up</c>s of one name cannot both
/// run), replaced atomically (write, then rename) every second while it runs, and deleted when it
/// exits. <c>vpn down</c> finds the pid there; <c>vpn show</c> prints the status. A file whose owner
/// died (pid gone, or reused by a process with another start time) is stale and is ignored or
/// replaced; the host changes of that owner are undone by the journal's cleanup, not here.
/// </summary>
public sealed class VpnInstances(string? directory = null)
{
    /// <summary>Next to the host-change journals; /run is emptied at boot, as are the instances.</summary>
    public const string DefaultDirectory = "/run/sharptun/vpn";

    /// <summary>How long a claim file may stay unreadable (being written) before it counts as torn by a crash.</summary>
    private static readonly TimeSpan ClaimWriteGrace = TimeSpan.FromSeconds(10);

    public string Directory { get; } = directory ?? DefaultDirectory;

    public string PathOf(string interfaceName)
    {
        VpnInterfaceName.Validate(interfaceName);
        return Path.Combine(Directory, interfaceName + ".json");
    }

    /// <summary>
    /// Registers this process as the instance of <paramref name="state"/>'s interface. Throws
    /// <see cref="InvalidOperationException"/> when a live instance of that name exists.
    /// </summary>
    public void Claim(VpnInstanceState state)
    {
        if (!OperatingSystem.IsLinux())
            throw new PlatformNotSupportedException("VPN instances are Linux processes");
        System.IO.Directory.CreateDirectory(Directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var path = PathOf(state.Interface);
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                using var file = new FileStream(path, new FileStreamOptions
                {
                    Mode = FileMode.CreateNew,
                    Access = FileAccess.Write,
                    UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
                });
                JsonSerializer.Serialize(file, state, VpnJson.Default.VpnInstanceState);
                return;
            }
            catch (IOException) when (File.Exists(path))
            {
                var existing = ReadFile(path);
                if (existing is not null && IsAlive(existing))
                    throw new InvalidOperationException($"{state.Interface} is already up (pid {existing.Pid}, from {existing.ConfigurationFile}); stop it with 'sharptun vpn down {state.Interface}'");
                // An unreadable file this young is another 'up' halfway through writing its claim.
                if (attempt > 0 || (existing is null && File.GetLastWriteTimeUtc(path) > DateTime.UtcNow - ClaimWriteGrace))
                    throw new InvalidOperationException($"{state.Interface} is being brought up by another process right now");
                // Stale: its owner died. Remove it and try once more.
                File.Delete(path);
            }
        }
    }

    /// <summary>Replaces the published state (only this process's own instance calls it).</summary>
    public void Publish(VpnInstanceState state)
    {
        if (!OperatingSystem.IsLinux())
            throw new PlatformNotSupportedException("VPN instances are Linux processes");
        var path = PathOf(state.Interface);
        var temporary = path + $".{Environment.ProcessId}.tmp";
        using (var file = new FileStream(temporary, new FileStreamOptions
        {
            Mode = FileMode.Create,
            Access = FileAccess.Write,
            UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
        }))
        {
            JsonSerializer.Serialize(file, state, VpnJson.Default.VpnInstanceState);
        }
        File.Move(temporary, path, overwrite: true);
    }

    /// <summary>Deletes the instance's file if it is still this process's, and the directory when no other instance has one there.</summary>
    public void Release(string interfaceName)
    {
        var path = PathOf(interfaceName);
        if (ReadFile(path) is not { } state || state.Pid != Environment.ProcessId)
            return;
        File.Delete(path);
        try
        {
            System.IO.Directory.Delete(Directory); // only when empty: another instance's file keeps it
        }
        catch (IOException)
        {
        }
    }

    /// <summary>The state of a live instance of <paramref name="interfaceName"/>, or null when none runs.</summary>
    public VpnInstanceState? Read(string interfaceName) =>
        ReadFile(PathOf(interfaceName)) is { } state && IsAlive(state) ? state : null;

    /// <summary>Every live instance, by interface name.</summary>
    public IReadOnlyList<VpnInstanceState> List()
    {
        if (!System.IO.Directory.Exists(Directory))
            return [];
        var states = new List<VpnInstanceState>();
        foreach (var path in System.IO.Directory.EnumerateFiles(Directory, "*.json"))
        {
            if (ReadFile(path) is { } state && IsAlive(state))
                states.Add(state);
        }
        states.Sort((a, b) => string.CompareOrdinal(a.Interface, b.Interface));
        return states;
    }

    /// <summary>True while the process that wrote <paramref name="state"/> runs (same pid, same start time).</summary>
    public static bool IsAlive(VpnInstanceState state) => ProcessStartTime.Read(state.Pid) == state.StartTime;

    private static VpnInstanceState? ReadFile(string path)
    {
        try
        {
            using var file = File.OpenRead(path);
            return JsonSerializer.Deserialize(file, VpnJson.Default.VpnInstanceState);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or JsonException)
        {
            // Missing, or torn by a crash mid-write (Publish renames, so only Claim's first write can be).
            return null;
        }
    }
}
