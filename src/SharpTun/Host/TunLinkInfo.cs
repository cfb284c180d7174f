namespace SharpTun.Host;

/// <summary>TUN/TAP attributes of a link (IFLA_INFO_DATA of kind "tun").</summary>
/// <param name="IsTap">A TAP (Ethernet frames) rather than a TUN (IP packets).</param>
/// <param name="MultiQueue">Created with IFF_MULTI_QUEUE.</param>
/// <param name="Persistent">Survives its last file descriptor (TUNSETPERSIST).</param>
public sealed record TunLinkInfo(bool IsTap, bool MultiQueue, bool Persistent);
