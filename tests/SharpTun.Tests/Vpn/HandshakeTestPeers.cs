using SharpTun.Vpn;
using SharpTun.Vpn.Noise;

namespace SharpTun.Tests.Vpn;

/// <summary>Two identities that know each other, for handshake tests.</summary>
internal sealed class HandshakeTestPeers
{
    public HandshakeTestPeers(WireGuardKey? presharedKey = null, WireGuardKey? responderPresharedKey = null)
    {
        Initiator = new StaticIdentity(WireGuardKey.GeneratePrivate());
        Responder = new StaticIdentity(WireGuardKey.GeneratePrivate());
        InitiatorState = new HandshakeState(Initiator, Responder.PublicKey, presharedKey);
        ResponderState = new HandshakeState(Responder, Initiator.PublicKey, responderPresharedKey ?? presharedKey);
    }

    public StaticIdentity Initiator { get; }
    public StaticIdentity Responder { get; }
    public HandshakeState InitiatorState { get; }
    public HandshakeState ResponderState { get; }

    public HandshakeState? FindAtResponder(ReadOnlySpan<byte> key) => key.SequenceEqual(Initiator.PublicKey.Bytes) ? ResponderState : null;

    public byte[] Initiate(DateTimeOffset now, uint index = 1)
    {
        var message = new byte[148];
        Assert.True(NoiseHandshake.CreateInitiation(Initiator, InitiatorState, index, now, message));
        return message;
    }
}
