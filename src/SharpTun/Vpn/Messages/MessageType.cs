namespace SharpTun.Vpn.Messages;

/// <summary>The four WireGuard message types (paper §5.4): the first byte, followed by three zero bytes.</summary>
public enum MessageType : byte
{
    HandshakeInitiation = 1,
    HandshakeResponse = 2,
    CookieReply = 3,
    TransportData = 4,
}
