namespace SharpTun.Proxy.Outbounds.Socks5;

/// <summary>
/// One datagram from <see cref="Socks5UdpAssociation.ReceiveAsync"/>: who sent it (through the
/// relay) and the payload length, at the start of the caller's buffer. <see cref="IsClosed"/> is
/// true, with no datagram, once the association has ended.
/// </summary>
public readonly record struct Socks5UdpReceiveResult(ProxyDestination Source, int Length, bool IsClosed)
{
    /// <summary>The result for an association that has ended.</summary>
    public static Socks5UdpReceiveResult Closed => new(default, 0, true);
}
