using SharpTun.Vpn;
using SharpTun.Vpn.Messages;
using SharpTun.Vpn.Noise;

namespace SharpTun.Tests.Vpn;

public sealed class NoiseHandshakeTests
{
    private static readonly DateTimeOffset Now = DateTimeOffset.FromUnixTimeSeconds(1_700_000_000);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void FullHandshake_BothSidesDeriveCrossedKeys(bool withPresharedKey)
    {
        var peers = new HandshakeTestPeers(withPresharedKey ? WireGuardKey.GeneratePreshared() : null);
        var initiation = peers.Initiate(Now, index: 0x11223344);
        Assert.True(WireGuardMessage.TryClassify(initiation, out var type));
        Assert.Equal(MessageType.HandshakeInitiation, type);

        var found = NoiseHandshake.ConsumeInitiation(peers.Responder, initiation, peers.FindAtResponder, TimeSpan.FromSeconds(1));
        Assert.Same(peers.ResponderState, found);
        Assert.Equal(0x11223344u, found!.RemoteIndex);

        var response = new byte[92];
        Assert.True(NoiseHandshake.CreateResponse(found, 0x55667788, response));
        Assert.Equal(0x11223344u, WireGuardMessage.ReadIndex(response, HandshakeResponseLayout.Receiver));
        Assert.True(NoiseHandshake.ConsumeResponse(peers.Initiator, peers.InitiatorState, response));
        Assert.Equal(0x55667788u, peers.InitiatorState.RemoteIndex);

        var initiatorSend = new byte[32];
        var initiatorReceive = new byte[32];
        var responderSend = new byte[32];
        var responderReceive = new byte[32];
        Assert.True(NoiseHandshake.DeriveTransportKeys(peers.InitiatorState, initiatorSend, initiatorReceive, out var initiatorIsInitiator));
        Assert.True(NoiseHandshake.DeriveTransportKeys(peers.ResponderState, responderSend, responderReceive, out var responderIsInitiator));
        Assert.True(initiatorIsInitiator);
        Assert.False(responderIsInitiator);
        Assert.Equal(initiatorSend, responderReceive);
        Assert.Equal(initiatorReceive, responderSend);
        Assert.NotEqual(initiatorSend, initiatorReceive);
        Assert.Equal(HandshakeStage.Zeroed, peers.InitiatorState.Stage);
    }

    [Fact]
    public void ConsumeResponse_PresharedKeysDiffer_Fails()
    {
        var peers = new HandshakeTestPeers(WireGuardKey.GeneratePreshared(), WireGuardKey.GeneratePreshared());
        var initiation = peers.Initiate(Now);
        var found = NoiseHandshake.ConsumeInitiation(peers.Responder, initiation, peers.FindAtResponder, TimeSpan.Zero);
        Assert.NotNull(found);
        var response = new byte[92];
        Assert.True(NoiseHandshake.CreateResponse(found, 9, response));
        Assert.False(NoiseHandshake.ConsumeResponse(peers.Initiator, peers.InitiatorState, response));
        Assert.Equal(HandshakeStage.InitiationCreated, peers.InitiatorState.Stage);
    }

    [Fact]
    public void ConsumeInitiation_UnknownStaticKey_ReturnsNull()
    {
        var peers = new HandshakeTestPeers();
        var initiation = peers.Initiate(Now);
        Assert.Null(NoiseHandshake.ConsumeInitiation(peers.Responder, initiation, _ => null, TimeSpan.Zero));
    }

    [Fact]
    public void ConsumeInitiation_ReplayedOrOlderTimestamp_IsRefused()
    {
        var peers = new HandshakeTestPeers();
        var first = peers.Initiate(Now);
        var older = peers.Initiate(Now.AddSeconds(-1));
        Assert.NotNull(NoiseHandshake.ConsumeInitiation(peers.Responder, first, peers.FindAtResponder, TimeSpan.FromSeconds(10)));
        Assert.Null(NoiseHandshake.ConsumeInitiation(peers.Responder, first, peers.FindAtResponder, TimeSpan.FromSeconds(20)));
        Assert.Null(NoiseHandshake.ConsumeInitiation(peers.Responder, older, peers.FindAtResponder, TimeSpan.FromSeconds(30)));
        var newer = peers.Initiate(Now.AddSeconds(1));
        Assert.NotNull(NoiseHandshake.ConsumeInitiation(peers.Responder, newer, peers.FindAtResponder, TimeSpan.FromSeconds(40)));
    }

    [Fact]
    public void ConsumeInitiation_SoonerThanInitiationRate_IsRefusedAsFlood()
    {
        var peers = new HandshakeTestPeers();
        Assert.NotNull(NoiseHandshake.ConsumeInitiation(peers.Responder, peers.Initiate(Now), peers.FindAtResponder, TimeSpan.FromSeconds(1)));
        var next = peers.Initiate(Now.AddSeconds(1));
        Assert.Null(NoiseHandshake.ConsumeInitiation(peers.Responder, next, peers.FindAtResponder, TimeSpan.FromSeconds(1) + TimeSpan.FromMilliseconds(20)));
        Assert.NotNull(NoiseHandshake.ConsumeInitiation(peers.Responder, next, peers.FindAtResponder, TimeSpan.FromSeconds(1) + TimeSpan.FromMilliseconds(21)));
    }

    [Fact]
    public void ConsumeInitiation_AnyFlippedBodyByte_IsRefused()
    {
        var peers = new HandshakeTestPeers();
        var initiation = peers.Initiate(Now);
        // Every byte from the ephemeral to the end of the encrypted timestamp is authenticated.
        for (var i = HandshakeInitiationLayout.Ephemeral; i < HandshakeInitiationLayout.Mac1; i += 7)
        {
            var tampered = (byte[])initiation.Clone();
            tampered[i] ^= 0x40;
            Assert.Null(NoiseHandshake.ConsumeInitiation(peers.Responder, tampered, peers.FindAtResponder, TimeSpan.Zero));
        }
        Assert.Equal(HandshakeStage.Zeroed, peers.ResponderState.Stage);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(147)]
    [InlineData(149)]
    public void ConsumeInitiation_WrongLength_IsRefused(int length)
    {
        var peers = new HandshakeTestPeers();
        Assert.Null(NoiseHandshake.ConsumeInitiation(peers.Responder, new byte[length], peers.FindAtResponder, TimeSpan.Zero));
    }

    [Fact]
    public void ConsumeResponse_TamperedOrWrongReceiver_FailsAndKeepsInitiation()
    {
        var peers = new HandshakeTestPeers();
        var initiation = peers.Initiate(Now, index: 5);
        var found = NoiseHandshake.ConsumeInitiation(peers.Responder, initiation, peers.FindAtResponder, TimeSpan.Zero)!;
        var response = new byte[92];
        Assert.True(NoiseHandshake.CreateResponse(found, 6, response));

        foreach (var offset in new[] { HandshakeResponseLayout.Receiver, HandshakeResponseLayout.Ephemeral + 3, HandshakeResponseLayout.EncryptedNothing + 1 })
        {
            var tampered = (byte[])response.Clone();
            tampered[offset] ^= 1;
            Assert.False(NoiseHandshake.ConsumeResponse(peers.Initiator, peers.InitiatorState, tampered));
        }
        Assert.False(NoiseHandshake.ConsumeResponse(peers.Initiator, peers.InitiatorState, response.AsSpan(0, 91)));
        Assert.True(NoiseHandshake.ConsumeResponse(peers.Initiator, peers.InitiatorState, response));
        // A second copy of the same response finds no initiation waiting.
        Assert.False(NoiseHandshake.ConsumeResponse(peers.Initiator, peers.InitiatorState, response));
    }

    [Fact]
    public void CreateInitiation_LowOrderPeerKey_Fails()
    {
        var local = new StaticIdentity(WireGuardKey.GeneratePrivate());
        var state = new HandshakeState(local, WireGuardKey.FromBytes(new byte[32]), null);
        Assert.False(state.HasStaticStatic);
        Assert.False(NoiseHandshake.CreateInitiation(local, state, 1, Now, new byte[148]));
    }
}
