namespace SharpTun.Host.Resolver;

/// <summary>What /etc/resolv.conf is on this host.</summary>
public enum ResolvConfSetup
{
    /// <summary>There is none (the C library then asks 127.0.0.1).</summary>
    Missing,

    /// <summary>A plain file, written by hand or by a DHCP client.</summary>
    File,

    /// <summary>A symlink into some resolver manager's directory (systemd-resolved, NetworkManager, resolvconf).</summary>
    Symlink,

    /// <summary>
    /// A file bind-mounted over the path: a container's (Docker mounts its own resolv.conf there)
    /// or a named network namespace's (<c>ip netns exec NAME</c> mounts /etc/netns/NAME/resolv.conf).
    /// It belongs to this container or namespace alone, whatever manages the host's resolver.
    /// </summary>
    BindMount,
}

/// <summary>
/// How name resolution is set up here: what /etc/resolv.conf is, and which of the standard tools
/// that manage it are installed. The VPN plan picks the way to apply its DNS servers from this, the
/// way wg-quick relies on resolvconf(8). <see cref="ResolverSetupProbe"/> reads it from the host;
/// tests build one.
/// </summary>
public sealed record ResolverSetup
{
    /// <summary>The files /etc/resolv.conf links to when systemd-resolved is the resolver (systemd-resolved.service(8)).</summary>
    private static readonly string[] SystemdResolvedFiles =
    [
        "/run/systemd/resolve/stub-resolv.conf",
        "/run/systemd/resolve/resolv.conf",
        "/usr/lib/systemd/resolv.conf",
        "/lib/systemd/resolv.conf",
    ];

    /// <summary>The file the C library reads (<c>/etc/resolv.conf</c>).</summary>
    public string ResolvConfPath { get; init; } = ResolvConfFile.DefaultPath;

    public ResolvConfSetup ResolvConf { get; init; } = ResolvConfSetup.File;

    /// <summary>For a symlink, the absolute path it finally leads to (which need not exist).</summary>
    public string? ResolvConfTarget { get; init; }

    /// <summary>The resolvectl(1) program of systemd-resolved, or null when it is not installed.</summary>
    public string? Resolvectl { get; init; }

    /// <summary>The resolvconf(8) program (Debian's resolvconf, openresolv, or systemd's compatibility link), or null.</summary>
    public string? Resolvconf { get; init; }

    /// <summary>
    /// What resolvconf record names of tunnel interfaces start with: <c>tun.</c> when
    /// /etc/resolvconf/interface-order lists <c>tun*</c> (wg-quick's <c>resolvconf_iface_prefix</c>),
    /// so the record is ordered among the other tunnels' rather than last.
    /// </summary>
    public string ResolvconfInterfacePrefix { get; init; } = "";

    /// <summary>
    /// Whether SharpTun runs in the network namespace of process 1, where systemd-resolved runs: its
    /// per-link DNS is for interfaces it can see (true when that cannot be told).
    /// </summary>
    public bool InInitNetworkNamespace { get; init; } = true;

    /// <summary>True when /etc/resolv.conf leads to systemd-resolved's stub (or its list of upstream servers).</summary>
    public bool ResolvConfIsSystemdResolved =>
        ResolvConf == ResolvConfSetup.Symlink && ResolvConfTarget is { } target && SystemdResolvedFiles.Contains(target);
}
