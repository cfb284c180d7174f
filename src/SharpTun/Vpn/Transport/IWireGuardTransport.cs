using SharpTun.Tun;

namespace SharpTun.Vpn.Transport;

/// <summary>
/// Carries WireGuard messages between peers: UDP (<see cref="UdpTransport"/>) or an in-memory
/// double in tests. One thread receives; any thread may send.
/// </summary>
public interface IWireGuardTransport : IDisposable
{
    /// <summary>The local port peers send to (the interface's listen port).</summary>
    int LocalPort { get; }

    /// <summary>
    /// Blocks until at least one datagram arrives or the transport is closed, then fills up to
    /// <c>datagrams.Length</c> buffers without blocking again: <c>Offset = Headroom</c>,
    /// <c>Length</c>, and the sender in <paramref name="sources"/>. Returns how many; 0 means closed.
    /// Longer datagrams than a buffer's space are dropped. Allocates nothing.
    /// </summary>
    int Receive(Span<PacketBuffer> datagrams, Span<WireGuardEndpoint> sources);

    /// <summary>
    /// Sends each buffer's <see cref="PacketBuffer.Packet"/> to the matching destination. A
    /// datagram the network refuses (unreachable, no route) is skipped, not thrown: UDP may lose
    /// packets anyway. Allocates nothing. Safe to call from several threads at once.
    /// </summary>
    void Send(ReadOnlySpan<PacketBuffer> datagrams, ReadOnlySpan<WireGuardEndpoint> destinations);

    /// <summary>Wakes a blocked <see cref="Receive"/>, which returns 0 from then on.</summary>
    void Close();
}
