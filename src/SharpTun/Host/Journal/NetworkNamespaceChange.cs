namespace SharpTun.Host.Journal;

/// <summary>
/// A named network namespace SharpTun created (<c>ip netns add NAME</c>), with its per-namespace
/// configuration directory <c>/etc/netns/NAME</c> (where <c>ip netns exec</c> finds the
/// resolv.conf it bind-mounts). Undo deletes both; every device, address and route inside the
/// namespace goes with it, so changes made inside it need no journal entries of their own.
/// <paramref name="CreatedConfigurationRoot"/> records that /etc/netns itself did not exist before,
/// so undo removes it too (when empty) and the host is left exactly as it was.
/// </summary>
public sealed record NetworkNamespaceChange(string Name, bool CreatedConfigurationRoot = false) : HostChange
{
    /// <summary>The directory of every namespace's configuration, <c>/etc/netns</c>.</summary>
    public const string ConfigurationRoot = "/etc/netns";

    /// <summary>Where <c>ip netns</c> keeps the per-namespace files.</summary>
    public string ConfigurationDirectory => Path.Combine(ConfigurationRoot, Name);

    public override void Undo(UndoContext context)
    {
        if (Directory.Exists(ConfigurationDirectory))
            Directory.Delete(ConfigurationDirectory, recursive: true);
        if (CreatedConfigurationRoot && Directory.Exists(ConfigurationRoot) && !Directory.EnumerateFileSystemEntries(ConfigurationRoot).Any())
            Directory.Delete(ConfigurationRoot);
        if (!File.Exists(Path.Combine("/run/netns", Name)))
            return;
        IpCommand.Run("netns", "del", Name);
    }

    public override string ToString() => $"network namespace {Name}";
}
