using System.Net;
using System.Text;
using SharpTun.Host;
using SharpTun.Host.Resolver;
using SharpTun.Vpn.Config;

namespace SharpTun.Vpn.Plan;

/// <summary>
/// How <c>vpn up</c> applies <c>[Interface] DNS</c>, as wg-quick(8) does: with resolvconf(8) where
/// it is installed (<c>resolvconf -a tun.IFACE -m 0 -x</c>); with systemd-resolved's per-interface
/// DNS where /etc/resolv.conf leads to its stub (<c>resolvectl dns</c>/<c>domain</c>, plus the
/// routing domain <c>~.</c> when the tunnel takes all traffic, so every query goes into it); and
/// where neither manages the resolver (a plain Debian install, a container), by writing
/// /etc/resolv.conf itself. A bind-mounted /etc/resolv.conf (a container's, or the one
/// <c>ip netns exec</c> gives a named namespace) always gets the file: the managers serve the
/// host's resolver, not that one. Every way is journaled and undone on down.
/// </summary>
public sealed record VpnDnsPlan
{
    /// <summary>
    /// The C library's resolver uses this many <c>nameserver</c> lines and ignores the rest
    /// (MAXNS, resolv.conf(5)).
    /// </summary>
    public const int ResolverServerLimit = 3;

    public required string Interface { get; init; }

    public required VpnDnsBackend Backend { get; init; }

    public required IReadOnlyList<IPAddress> Servers { get; init; }

    public IReadOnlyList<string> SearchDomains { get; init; } = [];

    /// <summary>systemd-resolved: send every query to this interface (<c>~.</c>), as a peer's AllowedIPs covers a /0.</summary>
    public bool RouteAllQueries { get; init; }

    /// <summary>The resolvconf or resolvectl program; null for <see cref="VpnDnsBackend.ResolvConfFile"/>.</summary>
    public string? Program { get; init; }

    /// <summary>The resolvconf record: the interface name after resolvconf's tunnel prefix (<c>tun.stv0</c>).</summary>
    public string ResolvconfRecord => ResolvconfPrefix + Interface;

    public string ResolvconfPrefix { get; init; } = "";

    /// <summary>The file <see cref="VpnDnsBackend.ResolvConfFile"/> replaces.</summary>
    public string ResolvConfPath { get; init; } = ResolvConfFile.DefaultPath;

    /// <summary>What that file is now (a bind mount is rewritten in place; a symlink comes back as one).</summary>
    public ResolvConfSetup ResolvConfSetup { get; init; } = ResolvConfSetup.File;

    public string? ResolvConfTarget { get; init; }

    /// <summary>The domains handed to systemd-resolved: <c>~.</c> first when it routes every query here.</summary>
    public IReadOnlyList<string> ResolvedDomains => RouteAllQueries ? ["~.", .. SearchDomains] : SearchDomains;

    /// <summary>
    /// The plan for <paramref name="configuration"/>'s DNS on a host set up as <paramref name="resolver"/>
    /// says; null when there is nothing to apply (no DNS servers: like wg-quick, search domains
    /// alone change nothing). What the user should know goes to <paramref name="notes"/>.
    /// </summary>
    public static VpnDnsPlan? Create(VpnConfiguration configuration, ResolverSetup resolver, ICollection<string> notes)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(resolver);
        ArgumentNullException.ThrowIfNull(notes);
        var settings = configuration.Interface;
        if (settings.DnsServers.Count == 0)
        {
            if (settings.DnsSearchDomains.Count > 0)
                notes.Add($"DNS search domains ({string.Join(", ", settings.DnsSearchDomains)}) without a DNS server are not applied (as with wg-quick)");
            return null;
        }
        var backend = ChooseBackend(resolver);
        var plan = new VpnDnsPlan
        {
            Interface = configuration.InterfaceName,
            Backend = backend,
            Servers = settings.DnsServers,
            SearchDomains = settings.DnsSearchDomains,
            RouteAllQueries = configuration.Peers.Any(peer => peer.AllowedIps.Any(prefix => prefix.PrefixLength == 0)),
            Program = backend switch
            {
                VpnDnsBackend.Resolvconf => resolver.Resolvconf,
                VpnDnsBackend.SystemdResolved => resolver.Resolvectl,
                _ => null,
            },
            ResolvconfPrefix = resolver.ResolvconfInterfacePrefix,
            ResolvConfPath = resolver.ResolvConfPath,
            ResolvConfSetup = resolver.ResolvConf,
            ResolvConfTarget = resolver.ResolvConfTarget,
        };
        if (plan.Backend != VpnDnsBackend.SystemdResolved && plan.Servers.Count > ResolverServerLimit)
            notes.Add($"only the first {ResolverServerLimit} DNS servers are used: the C library reads no more from resolv.conf");
        if (!resolver.InInitNetworkNamespace && resolver.ResolvConf != ResolvConfSetup.BindMount)
            notes.Add($"this network namespace shares {resolver.ResolvConfPath} with the host, so the DNS servers apply to the host too; 'ip netns exec NAME' gives namespace NAME its own when /etc/netns/NAME/resolv.conf exists");
        return plan;
    }

    /// <summary>The backend for a host set up as <paramref name="resolver"/> says (see the type's summary).</summary>
    public static VpnDnsBackend ChooseBackend(ResolverSetup resolver)
    {
        ArgumentNullException.ThrowIfNull(resolver);
        if (resolver.ResolvConf == ResolvConfSetup.BindMount)
            return VpnDnsBackend.ResolvConfFile;
        // resolved configures interfaces of its own network namespace only.
        if (resolver.Resolvectl is not null && resolver.ResolvConfIsSystemdResolved && resolver.InInitNetworkNamespace)
            return VpnDnsBackend.SystemdResolved;
        return resolver.Resolvconf is not null ? VpnDnsBackend.Resolvconf : VpnDnsBackend.ResolvConfFile;
    }

    /// <summary>The step as the equivalent commands, for <c>vpn check</c> and <c>vpn up</c>'s <c>[#]</c> lines.</summary>
    public IReadOnlyList<string> Describe()
    {
        var printf = $"printf '{ResolvConfContent.Lines(Servers, SearchDomains).Replace("\n", "\\n", StringComparison.Ordinal)}'";
        switch (Backend)
        {
            case VpnDnsBackend.Resolvconf:
                return [$"{printf} | {Path.GetFileName(Program)} -a {ResolvconfRecord} -m 0 -x"];
            case VpnDnsBackend.SystemdResolved:
                var lines = new List<string> { $"{Path.GetFileName(Program)} dns {Interface} {string.Join(' ', Servers)}" };
                if (ResolvedDomains.Count > 0)
                    lines.Add($"{Path.GetFileName(Program)} domain {Interface} {string.Join(' ', ResolvedDomains.Select(d => d == "~." ? "'~.'" : d))}" +
                        (RouteAllQueries ? "    # ~.: every query goes to the tunnel's servers, as all traffic does" : ""));
                return lines;
            default:
                var how = ResolvConfSetup == ResolvConfSetup.BindMount
                    ? "a bind mount (a container's or ip netns exec's), so rewritten in place, as rename cannot replace it"
                    : "replaced atomically (no resolvconf or resolvectl here)";
                var original = ResolvConfSetup switch
                {
                    ResolvConfSetup.Symlink => $"the symlink to {ResolvConfTarget}",
                    ResolvConfSetup.Missing => "no file, as before,",
                    _ => "the original",
                };
                return [$"{printf} > {ResolvConfPath}    # {how}; {original} comes back on down"];
        }
    }

    /// <summary>
    /// Checks, changing nothing, that the step can be made: that /etc/resolv.conf can be read and
    /// replaced (or rewritten), and holds no other running VPN's DNS (without a resolver manager to
    /// merge them, one VPN's servers at a time: the second would leave its file behind when the
    /// first goes down). Throws an <see cref="InvalidOperationException"/> saying why not.
    /// </summary>
    public void CheckApplicable()
    {
        if (Backend != VpnDnsBackend.ResolvConfFile)
            return;
        try
        {
            var current = ResolvConfFile.Read(ResolvConfPath);
            if (current.Kind == ResolvConfEntryKind.File && ResolvConfContent.TryReadWriter(current.Content, out var pid, out var other)
                && pid != Environment.ProcessId && ProcessStartTime.Read(pid) is not null)
                throw new InvalidOperationException($"{ResolvConfPath} holds the DNS servers of the VPN interface {other} (sharptun, pid {pid}); without resolvconf or systemd-resolved there is room for one VPN's DNS at a time: take {other} down first");
            ResolvConfFile.CheckWritable(ResolvConfPath, inPlace: ResolvConfSetup == ResolvConfSetup.BindMount);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidOperationException)
        {
            throw new InvalidOperationException(
                $"cannot apply the DNS servers of {Interface} ({string.Join(", ", Servers)}): {e.Message}; " +
                $"remove DNS from the configuration (and set the resolver up yourself), or make {ResolvConfPath} writable", e);
        }
    }

    /// <summary>Makes the step through <paramref name="changes"/> (journaled, undone on down).</summary>
    public void Apply(HostChanges changes)
    {
        ArgumentNullException.ThrowIfNull(changes);
        switch (Backend)
        {
            case VpnDnsBackend.Resolvconf:
                changes.AddResolvconfRecord(Program!, ResolvconfRecord, ResolvConfContent.Lines(Servers, SearchDomains));
                break;
            case VpnDnsBackend.SystemdResolved:
                changes.SetResolvedLinkDns(Program!, Interface, Servers, ResolvedDomains);
                break;
            default:
                var content = ResolvConfContent.File(Interface, Environment.ProcessId, Servers, SearchDomains);
                changes.ReplaceResolvConf(ResolvConfPath, Encoding.UTF8.GetBytes(content));
                break;
        }
    }
}
