using SharpTun.Vpn;
using SharpTun.Vpn.Messages;
using SharpTun.Vpn.Noise;
using SharpTun.Vpn.Transport;

namespace SharpTun.Tests.Vpn;

/// <summary>
/// Messages captured from Debian's wireguard-go 0.0.20220316 (veth pair between two namespaces,
/// the raw UDP payloads read by a socket on the other side). wireguard-go had private key A,
/// peer B with the preshared key below. It sent <see cref="GoInitiation"/> when a ping needed the
/// tunnel; it answered our <see cref="OurInitiation"/> (fixed ephemeral key and timestamp) with
/// <see cref="GoResponse"/>; after our keepalive confirmed the session it sent
/// <see cref="GoData"/>, a ping to 10.100.0.2.
/// </summary>
public sealed class CapturedTranscriptTests
{
    private static readonly WireGuardKey PrivateA = WireGuardKey.Parse("eGaKzIrWzfjCeO/1OPySKTHdq9z33Woac6ZoyoTRJ3g=");
    private static readonly WireGuardKey PrivateB = WireGuardKey.Parse("0MYHtsv+g325MrwwqPVmFCRpFTQVUotya0eHJPb01mE=");
    private static readonly WireGuardKey Preshared = WireGuardKey.Parse("14GRJrrdweC4VRQ83iXD1Bg6s+v2Ti70VbgoJt72968=");
    private static readonly WireGuardKey OurEphemeral = WireGuardKey.Parse("KNGv5XWoa5RySGvkwID6irTsQl4XLw1AV7dNiVqkQ0Y=");
    private static readonly DateTimeOffset OurTime = DateTimeOffset.FromUnixTimeSeconds(1_790_000_000);
    private const uint OurIndex = 0x01020304;

    private static readonly byte[] GoInitiation = Convert.FromHexString(
        "0100000041af5aec0c2a56b60ccac014fc23465a480a3cdc3fb6f728ece65d2baa636642d13c223ac3c1eb6d7b74e2bc" +
        "f1946d14865d0d817b44dea636f42a7a6df0ed39548ca7b10cacead272be1247c3f9ed77b15ecde6cebff9b31df6c249" +
        "8419a4ac6c8b24082dc20e8c31f32acbca40051abc8a5452cb4c02c9c4a2df6754fd095b000000000000000000000000" +
        "00000000");

    private static readonly byte[] OurInitiation = Convert.FromHexString(
        "0100000004030201b2e8b1a98d5fba5b4a85edc466921c28846ea4bae60628086549465bbfc60d50ed37cb88eda2cdfe" +
        "5e71f303cf5d200df2b8e87b23dd15c529623151cc2ec8120ac32f1b9fb7cf109bab1ad9fcd13034167f09782ebd53de" +
        "f68f9da8a4f57a41321c25eb7917b04ac855b841ab9ebc08123f6945e9c5ab33a71bc39e000000000000000000000000" +
        "00000000");

    private static readonly byte[] GoResponse = Convert.FromHexString(
        "02000000bde8217c04030201c3f3189c8e1e7bf5fe2d7add26209d1fecdd4d3cc69c37d5d9b720190355ca4f56cae1b3" +
        "805787b2a886f8bc6c3ca9fa0f36eae610e29aef89c409ee15fd56a600000000000000000000000000000000");

    private static readonly byte[] GoData = Convert.FromHexString(
        "04000000040302010000000000000000ec803f06e9df7779097625e53217fb78446e611d85085e777a58e8442ac3586f" +
        "ef842d569e44d7b2c2e5ca069b17689211369f96ed39be3499b75b324959a766ea446b265c97ea9936fd306354cc314a" +
        "4d55de324975de91380ccb7e5bc12013a73b888b16ef72a162a530deab8c0a37");

    [Fact]
    public void GoInitiation_Mac1Verifies_AndDecryptsWithKnownKeys()
    {
        var b = new StaticIdentity(PrivateB);
        Assert.True(WireGuardMessage.TryClassify(GoInitiation, out var type));
        Assert.Equal(MessageType.HandshakeInitiation, type);
        Assert.True(new CookieChecker(b).CheckMac1(GoInitiation));

        var stateForA = new HandshakeState(b, PrivateA.DerivePublic(), Preshared);
        var found = NoiseHandshake.ConsumeInitiation(b, GoInitiation, key => key.SequenceEqual(PrivateA.DerivePublic().Bytes) ? stateForA : null, TimeSpan.Zero);
        Assert.Same(stateForA, found);
        Assert.Equal(0xec5aaf41u, found!.RemoteIndex);
        // The decrypted TAI64N timestamp: the capture was made in November 2026.
        var seconds = System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(found.LastTimestamp) - 0x400000000000000aUL;
        Assert.InRange(DateTimeOffset.FromUnixTimeSeconds((long)seconds), new DateTimeOffset(2026, 11, 1, 0, 0, 0, TimeSpan.Zero), new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero));
    }

    [Fact]
    public void GoInitiation_WithoutPresharedKey_StillDecryptsButResponseWouldDiffer()
    {
        // The preshared key enters only the response (psk2): the initiation decrypts without it.
        var b = new StaticIdentity(PrivateB);
        var stateForA = new HandshakeState(b, PrivateA.DerivePublic(), null);
        Assert.NotNull(NoiseHandshake.ConsumeInitiation(b, GoInitiation, _ => stateForA, TimeSpan.Zero));
    }

    [Fact]
    public void OurInitiation_IsReproducedExactly_AndGoResponseCompletesTheHandshake()
    {
        var b = new StaticIdentity(PrivateB);
        var state = new HandshakeState(b, PrivateA.DerivePublic(), Preshared);
        var initiation = new byte[148];
        Assert.True(NoiseHandshake.CreateInitiation(b, state, OurIndex, OurTime, initiation, OurEphemeral));
        new CookieGenerator(PrivateA.DerivePublic()).AddMacs(initiation, TimeSpan.Zero);
        Assert.Equal(Convert.ToHexStringLower(OurInitiation), Convert.ToHexStringLower(initiation));

        Assert.True(new CookieChecker(b).CheckMac1(GoResponse));
        Assert.True(NoiseHandshake.ConsumeResponse(b, state, GoResponse));
        Assert.Equal(0x7c21e8bdu, state.RemoteIndex);
        var send = new byte[32];
        var receive = new byte[32];
        Assert.True(NoiseHandshake.DeriveTransportKeys(state, send, receive, out var isInitiator));
        Assert.True(isInitiator);

        using var keypair = new Keypair(send, receive, true, OurIndex, state.RemoteIndex, TimeSpan.Zero);
        var message = (byte[])GoData.Clone();
        Assert.Equal(OurIndex, WireGuardMessage.ReadIndex(message, TransportDataLayout.Receiver));
        var length = TransportCrypto.Open(keypair, message, out var counter);
        Assert.True(length > 0);
        Assert.True(keypair.Replay.TryAccept(counter, Protocol.RejectAfterMessages));
        var packet = message.AsSpan(TransportDataLayout.HeaderLength, length);
        Assert.Equal(0x45, packet[0]);
        Assert.Equal("0a640001", Convert.ToHexStringLower(packet.Slice(12, 4)));
        Assert.Equal("0a640002", Convert.ToHexStringLower(packet.Slice(16, 4)));
        Assert.Equal(8, packet[20]); // ICMP echo request
    }

    [Fact]
    public void GoResponse_WithWrongPresharedKey_IsRefused()
    {
        var b = new StaticIdentity(PrivateB);
        var state = new HandshakeState(b, PrivateA.DerivePublic(), WireGuardKey.FromBytes(new byte[32]));
        Assert.True(NoiseHandshake.CreateInitiation(b, state, OurIndex, OurTime, new byte[148], OurEphemeral));
        Assert.False(NoiseHandshake.ConsumeResponse(b, state, GoResponse));
    }
}
