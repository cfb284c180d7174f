using SharpTun.Vpn.Messages;
using SharpTun.Vpn.Noise;

namespace SharpTun.Tests.Vpn;

public sealed class CookieTests
{
    private static readonly byte[] Source = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 10, 0, 0, 2, 0xca, 0x6c];
    private static readonly byte[] OtherSource = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 10, 0, 0, 3, 0xca, 0x6c];

    [Fact]
    public void Mac1_FromGenerator_PassesChecker_AndAnyChangeFails()
    {
        var peers = new HandshakeTestPeers();
        var generator = new CookieGenerator(peers.Responder.PublicKey);
        var checker = new CookieChecker(peers.Responder);
        var message = peers.Initiate(DateTimeOffset.UnixEpoch);
        generator.AddMacs(message, TimeSpan.Zero);
        Assert.True(checker.CheckMac1(message));
        Assert.True(message.AsSpan(HandshakeInitiationLayout.Mac2).IndexOfAnyExcept((byte)0) < 0, "no cookie yet: mac2 is zero");

        message[20] ^= 1;
        Assert.False(checker.CheckMac1(message));
        message[20] ^= 1;
        message[HandshakeInitiationLayout.Mac1] ^= 1;
        Assert.False(checker.CheckMac1(message));
    }

    [Fact]
    public void CookieReply_RoundTrip_ThenMac2Verifies_ForThatSourceOnly()
    {
        var peers = new HandshakeTestPeers();
        var generator = new CookieGenerator(peers.Responder.PublicKey);
        var checker = new CookieChecker(peers.Responder);
        var now = TimeSpan.FromSeconds(100);
        var message = peers.Initiate(DateTimeOffset.UnixEpoch);
        generator.AddMacs(message, now);
        Assert.False(checker.CheckMac2(message, Source, now));

        var reply = new byte[64];
        checker.CreateReply(message, 77, Source, now, reply);
        Assert.True(WireGuardMessage.TryClassify(reply, out var type));
        Assert.Equal(MessageType.CookieReply, type);
        Assert.Equal(77u, WireGuardMessage.ReadIndex(reply, CookieReplyLayout.Receiver));
        Assert.True(generator.ConsumeReply(reply, now));
        Assert.False(generator.ConsumeReply(reply, now), "a reply is taken once, for the last message sent");

        var retry = peers.Initiate(DateTimeOffset.UnixEpoch.AddSeconds(1));
        generator.AddMacs(retry, now + TimeSpan.FromSeconds(1));
        Assert.True(checker.CheckMac1(retry));
        Assert.True(checker.CheckMac2(retry, Source, now + TimeSpan.FromSeconds(1)));
        Assert.False(checker.CheckMac2(retry, OtherSource, now + TimeSpan.FromSeconds(1)));
        // The secret is two minutes old: the cookie it made no longer counts.
        Assert.False(checker.CheckMac2(retry, Source, now + TimeSpan.FromSeconds(121)));
    }

    [Fact]
    public void CookieReply_Tampered_OrForAnotherMac1_IsRefused()
    {
        var peers = new HandshakeTestPeers();
        var generator = new CookieGenerator(peers.Responder.PublicKey);
        var checker = new CookieChecker(peers.Responder);
        var message = peers.Initiate(DateTimeOffset.UnixEpoch);
        generator.AddMacs(message, TimeSpan.Zero);
        var reply = new byte[64];
        checker.CreateReply(message, 1, Source, TimeSpan.Zero, reply);
        reply[40] ^= 1;
        Assert.False(generator.ConsumeReply(reply, TimeSpan.Zero));

        var other = peers.Initiate(DateTimeOffset.UnixEpoch.AddSeconds(2));
        generator.AddMacs(other, TimeSpan.Zero);
        reply[40] ^= 1;
        Assert.False(generator.ConsumeReply(reply, TimeSpan.Zero), "the reply answered the earlier message's mac1");
        Assert.False(generator.ConsumeReply(reply.AsSpan(0, 63), TimeSpan.Zero));
    }

    [Fact]
    public void Mac2_CookieOlderThanTwoMinutes_IsNotSent()
    {
        var peers = new HandshakeTestPeers();
        var generator = new CookieGenerator(peers.Responder.PublicKey);
        var checker = new CookieChecker(peers.Responder);
        var message = peers.Initiate(DateTimeOffset.UnixEpoch);
        generator.AddMacs(message, TimeSpan.Zero);
        var reply = new byte[64];
        checker.CreateReply(message, 1, Source, TimeSpan.Zero, reply);
        Assert.True(generator.ConsumeReply(reply, TimeSpan.Zero));

        var late = peers.Initiate(DateTimeOffset.UnixEpoch.AddSeconds(200));
        generator.AddMacs(late, TimeSpan.FromSeconds(120));
        Assert.True(late.AsSpan(HandshakeInitiationLayout.Mac2).IndexOfAnyExcept((byte)0) < 0);
    }
}
