namespace SharpTun.Vpn.Noise;

/// <summary>Where a peer's handshake stands (the states of wireguard-go's noise-protocol.go).</summary>
internal enum HandshakeStage
{
    Zeroed,
    InitiationCreated,
    InitiationConsumed,
    ResponseCreated,
    ResponseConsumed,
}
