namespace SharpTun.Cli.Vpn;

/// <summary>Where a running <c>vpn up</c> is in its life.</summary>
public enum VpnInstancePhase
{
    /// <summary>Hooks, device and host changes are being set up; no status yet.</summary>
    Starting,

    /// <summary>The engine runs; <see cref="VpnInstanceState.Status"/> is refreshed every second.</summary>
    Running,

    /// <summary>A stop signal arrived; the host changes are being undone.</summary>
    Stopping,
}

/// <summary>
/// What a running <c>sharptun vpn up</c> publishes in <c>/run/sharptun/vpn/NAME.json</c>: who it is
/// (pid and start time, so a reused pid is not mistaken for it), where it is, and the latest status.
/// </summary>
public sealed record VpnInstanceState
{
    public required string Interface { get; init; }

    public required int Pid { get; init; }

    /// <summary>Field 22 of /proc/PID/stat, see <see cref="Host.ProcessStartTime"/>.</summary>
    public required ulong StartTime { get; init; }

    public required string ConfigurationFile { get; init; }

    public VpnInstancePhase Phase { get; init; }

    public DateTimeOffset Updated { get; init; }

    public VpnStatus? Status { get; init; }
}
