using SharpTun.Vpn.Transport;

namespace SharpTun.Vpn;

/// <summary>A handshake or cookie message waiting for the handshake thread; <see cref="Buffer"/> is rented from the shared array pool.</summary>
internal readonly record struct HandshakeWork(byte[] Buffer, int Length, WireGuardEndpoint Source);
