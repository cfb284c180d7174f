namespace SharpTun.Cli.Vpn;

/// <summary>
/// Where the WireGuard data plane plugs into <c>sharptun vpn up</c>. <c>up</c> parses the file,
/// creates the TUN device, applies the host plan (addresses, MTU, routes, rules, firewall), runs
/// PreUp, and then calls <see cref="Start"/>; everything around the engine (hooks, host changes and
/// their undo, signals, <c>vpn show</c>'s status file) is <c>up</c>'s job, not the engine's.
/// </summary>
public interface IVpnEngineFactory
{
    /// <summary>
    /// Starts the data plane for <see cref="VpnEngineContext.Configuration"/> on
    /// <see cref="VpnEngineContext.Device"/>'s queues: binds the UDP (or TCP, see
    /// <c>Interface.Transport</c>) socket on <c>Interface.ListenPort</c> with SO_MARK
    /// <see cref="VpnEngineContext.FirewallMark"/>, starts handshakes with peers that have an endpoint
    /// (resolving host names), and returns once packets flow. Setup failures the user must fix
    /// (port in use, unresolvable endpoint that is required) throw <see cref="InvalidOperationException"/>
    /// or <see cref="IOException"/> with a one-line message; <c>up</c> then undoes everything.
    /// </summary>
    IVpnEngine Start(VpnEngineContext context);
}
