using System.Net;
using SharpTun.Stack.Nat;
using SharpTun.TestSupport;
using SharpTun.Tests.Stack.Nat;
using SharpTun.Tun;
using SharpTun.Vpn;
using SharpTun.Vpn.Messages;
using SharpTun.Vpn.Transport;
using SharpTun.Wire;

namespace SharpTun.Tests.Vpn;

public sealed class WireGuardDeviceTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Ping_BothWays_AfterHandshake(bool withPresharedKey)
    {
        using var pair = new DevicePair(presharedKey: withPresharedKey ? WireGuardKey.GeneratePreshared() : null);
        var request = DevicePair.Ping(DevicePair.AddressA, DevicePair.AddressB, 7);
        Assert.True(pair.TunA.TryInject(request));
        Assert.Equal(request, DevicePair.Take(pair.TunB));
        var reply = DevicePair.Ping(DevicePair.AddressB, DevicePair.AddressA, 8, 1000);
        Assert.True(pair.TunB.TryInject(reply));
        Assert.Equal(reply, DevicePair.Take(pair.TunA));

        var atA = Assert.Single(pair.A.GetPeers());
        Assert.Equal(pair.KeyB.DerivePublic(), atA.PublicKey);
        Assert.NotNull(atA.LatestHandshake);
        Assert.True(atA.SentBytes > 148 && atA.ReceivedBytes > 1000);
        Assert.Equal(withPresharedKey, atA.HasPresharedKey);
        var atB = Assert.Single(pair.B.GetPeers());
        Assert.Equal(new IPEndPoint(IPAddress.Parse("192.0.2.1"), 51820), atB.Endpoint);
        Assert.Equal(["10.0.0.1/32", "fd00::1/128"], atB.AllowedIps.Select(n => n.ToString()));
    }

    [Fact]
    public void TunOffload_SuperPacketAndPartialChecksum_ArriveAsSegmentsWithFullChecksums()
    {
        using var pair = new DevicePair(tunOffloadAtA: true);
        pair.Connect();
        var a = NatEndpoint.FromIPEndPoint(new IPEndPoint(DevicePair.AddressA, 40000));
        var b = NatEndpoint.FromIPEndPoint(new IPEndPoint(DevicePair.AddressB, 5201));
        var superPacket = NatPackets.WithPartialChecksum(NatPackets.Tcp(a, b, TcpFlags.Ack | TcpFlags.Psh, 5000, 1, payloadLength: 10_000));
        var gso = new VirtioNetHeader(VirtioNetHeader.FlagNeedsChecksum, VirtioNetHeader.GsoTcpV4, 40, 1360, 20, 16);
        Assert.True(pair.TunA.TryInject(superPacket, gso));

        var payload = new List<byte>();
        for (var i = 0; i < 8; i++) // 10,000 bytes in 1,360-byte segments
        {
            var segment = DevicePair.Take(pair.TunB);
            Assert.NotNull(segment);
            Assert.Equal((a, b), NatPackets.ReadValidTcp(segment));
            Assert.Equal(5000u + (uint)(i * 1360), NatPackets.ReadTcpHeader(segment).SequenceNumber);
            payload.AddRange(segment[40..]);
        }
        Assert.Equal(superPacket[40..], payload);

        var plain = NatPackets.Tcp(a, b, TcpFlags.Ack, 15000, 1, payloadLength: 100);
        Assert.True(pair.TunA.TryInject(NatPackets.WithPartialChecksum(plain.ToArray()),
            new VirtioNetHeader(VirtioNetHeader.FlagNeedsChecksum, VirtioNetHeader.GsoNone, 0, 0, 20, 16)));
        Assert.Equal(plain, DevicePair.Take(pair.TunB));
    }

    [Fact]
    public void Ipv6Packets_CrossBothWays()
    {
        using var pair = new DevicePair();
        var request = DevicePair.Ipv6Udp(DevicePair.AddressA6, DevicePair.AddressB6, 100);
        Assert.True(pair.TunA.TryInject(request));
        Assert.Equal(request, DevicePair.Take(pair.TunB));
        var reply = DevicePair.Ipv6Udp(DevicePair.AddressB6, DevicePair.AddressA6, 3);
        Assert.True(pair.TunB.TryInject(reply));
        Assert.Equal(reply, DevicePair.Take(pair.TunA));
    }

    [Fact]
    public void ManyPackets_BeforeHandshake_AreStagedAndArriveInOrder()
    {
        using var pair = new DevicePair();
        for (ushort i = 0; i < 20; i++)
            Assert.True(pair.TunA.TryInject(DevicePair.Ping(DevicePair.AddressA, DevicePair.AddressB, i)));
        for (ushort i = 0; i < 20; i++)
        {
            var packet = DevicePair.Take(pair.TunB);
            Assert.NotNull(packet);
            Assert.Equal(i, System.Buffers.Binary.BinaryPrimitives.ReadUInt16BigEndian(packet.AsSpan(24)));
        }
    }

    [Fact]
    public void StagedQueue_IsBounded_OldestDropped()
    {
        using var pair = new DevicePair();
        // B is unreachable: nothing completes, packets pile up at A.
        pair.Network.Filter = (_, _, _) => false;
        for (ushort i = 0; i < Peer.MaxStagedPackets + 10; i++)
            Assert.True(pair.TunA.TryInject(DevicePair.Ping(DevicePair.AddressA, DevicePair.AddressB, i)));
        Assert.True(DevicePair.Eventually(() => pair.A.Counters.StagedPacketsDropped == 10));
    }

    [Fact]
    public void PacketWithoutRoute_IsDroppedAndCounted()
    {
        using var pair = new DevicePair();
        Assert.True(pair.TunA.TryInject(DevicePair.Ping(DevicePair.AddressA, IPAddress.Parse("192.168.7.7"), 1)));
        Assert.True(DevicePair.Eventually(() => pair.A.Counters.NoRoute == 1));
    }

    [Fact]
    public void InnerSourceOutsideSendersAllowedIps_IsDropped()
    {
        using var pair = new DevicePair();
        pair.Connect();
        // B allows A only 10.0.0.1/32: a packet A sends from 10.0.0.9 is refused by B.
        Assert.True(pair.TunA.TryInject(DevicePair.Ping(IPAddress.Parse("10.0.0.9"), DevicePair.AddressB, 3)));
        Assert.True(DevicePair.Eventually(() => pair.B.Counters.SourceNotAllowed == 1));
        Assert.Null(DevicePair.Take(pair.TunB, TimeSpan.FromMilliseconds(100)));
    }

    [Fact]
    public void ReplayedDataMessage_IsDroppedAndCounted()
    {
        using var pair = new DevicePair();
        pair.Connect();
        byte[]? captured = null;
        pair.Network.Filter = (_, _, datagram) =>
        {
            if (DevicePair.IsType(datagram, MessageType.TransportData) && datagram.Length > 32)
                captured ??= datagram;
            return true;
        };
        Assert.True(pair.TunA.TryInject(DevicePair.Ping(DevicePair.AddressA, DevicePair.AddressB, 3)));
        Assert.NotNull(DevicePair.Take(pair.TunB));
        Assert.NotNull(captured);
        pair.TransportB.Enqueue(captured, pair.TransportA.LocalEndpoint);
        Assert.True(DevicePair.Eventually(() => pair.B.Counters.ReplayedMessages == 1));
        Assert.Null(DevicePair.Take(pair.TunB, TimeSpan.FromMilliseconds(100)));
    }

    [Fact]
    public void TamperedOrJunkDatagrams_AreDroppedAndCounted()
    {
        using var pair = new DevicePair();
        pair.Connect();
        var tamper = true;
        pair.Network.Filter = (_, _, datagram) =>
        {
            if (tamper && DevicePair.IsType(datagram, MessageType.TransportData) && datagram.Length > 32)
                datagram[40] ^= 1;
            return true;
        };
        Assert.True(pair.TunA.TryInject(DevicePair.Ping(DevicePair.AddressA, DevicePair.AddressB, 3)));
        Assert.True(DevicePair.Eventually(() => pair.B.Counters.InvalidMessages == 1));
        tamper = false;
        foreach (var junk in new[] { new byte[] { 4 }, new byte[] { 4, 0, 0, 0, 1, 2, 3, 4 }, new byte[148], new byte[1000], [9, 0, 0, 0, 0] })
            pair.TransportB.Enqueue(junk, pair.TransportA.LocalEndpoint);
        Assert.True(DevicePair.Eventually(() => pair.B.Counters.InvalidMessages == 6));
        // The session still works.
        Assert.True(pair.TunA.TryInject(DevicePair.Ping(DevicePair.AddressA, DevicePair.AddressB, 4)));
        Assert.NotNull(DevicePair.Take(pair.TunB));
    }

    [Fact]
    public void Roaming_EndpointFollowsLastAuthenticatedPacket()
    {
        using var pair = new DevicePair();
        pair.Connect();
        pair.Network.Move(pair.TransportB, "198.51.100.7", 4000);
        Assert.True(pair.TunB.TryInject(DevicePair.Ping(DevicePair.AddressB, DevicePair.AddressA, 5)));
        Assert.NotNull(DevicePair.Take(pair.TunA));
        Assert.Equal(new IPEndPoint(IPAddress.Parse("198.51.100.7"), 4000), pair.A.GetPeers()[0].Endpoint);
        Assert.True(pair.TunA.TryInject(DevicePair.Ping(DevicePair.AddressA, DevicePair.AddressB, 6)));
        Assert.NotNull(DevicePair.Take(pair.TunB));
    }

    [Fact]
    public void SetPeerEndpoint_SendsThereFromNowOn()
    {
        using var pair = new DevicePair();
        pair.Connect();
        pair.Network.Move(pair.TransportB, "198.51.100.8", 5000);
        Assert.False(pair.A.SetPeerEndpoint(WireGuardKey.GeneratePrivate().DerivePublic(), IPEndPoint.Parse("198.51.100.8:5000")));
        Assert.True(pair.A.SetPeerEndpoint(pair.KeyB.DerivePublic(), IPEndPoint.Parse("198.51.100.8:5000")));
        Assert.True(pair.TunA.TryInject(DevicePair.Ping(DevicePair.AddressA, DevicePair.AddressB, 5)));
        Assert.NotNull(DevicePair.Take(pair.TunB));
    }

    [Fact]
    public void ForgedPacketFromNewAddress_DoesNotMoveTheEndpoint()
    {
        using var pair = new DevicePair();
        pair.Connect();
        var forged = new byte[100];
        forged[0] = 4;
        pair.TransportA.Enqueue(forged, WireGuardEndpoint.From(new IPEndPoint(IPAddress.Parse("203.0.113.9"), 9)));
        Assert.True(DevicePair.Eventually(() => pair.A.Counters.InvalidMessages == 1));
        Assert.Equal(new IPEndPoint(IPAddress.Parse("192.0.2.2"), 51820), pair.A.GetPeers()[0].Endpoint);
    }

    [Fact]
    public void RemovePeer_StopsRouting_AndAddPeerRestoresIt()
    {
        using var pair = new DevicePair();
        pair.Connect();
        Assert.True(pair.A.RemovePeer(pair.KeyB.DerivePublic()));
        Assert.False(pair.A.RemovePeer(pair.KeyB.DerivePublic()));
        Assert.Empty(pair.A.GetPeers());
        Assert.True(pair.TunA.TryInject(DevicePair.Ping(DevicePair.AddressA, DevicePair.AddressB, 1)));
        Assert.True(DevicePair.Eventually(() => pair.A.Counters.NoRoute == 1));

        pair.A.AddPeer(new WireGuardPeerOptions
        {
            PublicKey = pair.KeyB.DerivePublic(),
            AllowedIps = [IPNetwork.Parse("10.0.0.2/32")],
            Endpoint = new IPEndPoint(IPAddress.Parse("192.0.2.2"), 51820),
        });
        Assert.Throws<ArgumentException>(() => pair.A.AddPeer(new WireGuardPeerOptions { PublicKey = pair.KeyB.DerivePublic() }));
        Assert.Throws<ArgumentException>(() => pair.A.AddPeer(new WireGuardPeerOptions { PublicKey = pair.A.PublicKey }));
        // B still holds the old session's timestamp; A's new handshake has a later one and is accepted.
        Thread.Sleep(30);
        Assert.True(pair.TunA.TryInject(DevicePair.Ping(DevicePair.AddressA, DevicePair.AddressB, 2)));
        Assert.NotNull(DevicePair.Take(pair.TunB));
    }

    [Fact]
    public void UnderLoad_InitiationWithoutMac2_GetsCookie_ThenRetryWithMac2Succeeds()
    {
        var time = new ManualTimeProvider();
        using var pair = new DevicePair(time);
        var cookieReplies = 0;
        pair.Network.Filter = (_, _, datagram) =>
        {
            if (DevicePair.IsType(datagram, MessageType.CookieReply))
                cookieReplies++;
            return true;
        };
        pair.B.SimulateLoad(TimeSpan.FromMinutes(1));
        Assert.True(pair.TunA.TryInject(DevicePair.Ping(DevicePair.AddressA, DevicePair.AddressB, 1)));
        Assert.True(DevicePair.Eventually(() => cookieReplies == 1));
        Assert.Equal(1, pair.B.Counters.CookieRepliesSent);
        pair.Settle();
        // Rekey-Timeout later A retries, now with mac2; B, still under load, lets it in (no second cookie).
        time.Advance(Protocol.RekeyTimeout + Protocol.RekeyTimeoutJitterMax);
        Assert.NotNull(DevicePair.Take(pair.TunB));
        Assert.Equal(1, cookieReplies);
        Assert.Equal(1, pair.B.Counters.CookieRepliesSent);
    }

    [Fact]
    public void FloodOfInitiations_PutsDeviceUnderLoad_ThenItAnswersWithCookies()
    {
        using var pair = new DevicePair();
        // Initiations with a valid mac1 (anyone who knows B's public key can make one) but junk
        // inside: each costs B an X25519 before it fails, so they pile up in the handshake queue.
        var generator = new SharpTun.Vpn.Noise.CookieGenerator(pair.B.PublicKey);
        var random = new Random(1);
        for (var i = 0; i < 2000; i++)
        {
            var junk = new byte[HandshakeInitiationLayout.Length];
            random.NextBytes(junk);
            junk[0] = 1;
            junk[1] = junk[2] = junk[3] = 0;
            generator.AddMacs(junk, TimeSpan.Zero);
            pair.TransportB.Enqueue(junk, pair.TransportA.LocalEndpoint);
        }
        Assert.True(DevicePair.Eventually(() => pair.B.Counters.CookieRepliesSent > 0, TimeSpan.FromSeconds(20)));
    }

    [Fact]
    public void DataPath_SealAtOneDeviceAndOpenAtTheOther_AllocatesNothingPerPacket()
    {
        using var pair = new DevicePair();
        pair.Connect();
        var peer = pair.PeerAtA;
        var buffer = new PacketBuffer(WireGuardDevice.Headroom + 1420 + TransportCrypto.TailRoom, WireGuardDevice.Headroom);
        var packet = DevicePair.Ping(DevicePair.AddressA, DevicePair.AddressB, 1, 1392);
        var source = pair.TransportA.LocalEndpoint;
        var bytes = Allocations.FewestBytes(() =>
        {
            for (var i = 0; i < 200; i++)
            {
                buffer.Offset = buffer.Headroom;
                buffer.Length = packet.Length;
                packet.CopyTo(buffer.ReadSpace);
                if (!pair.A.TrySealForSending(peer, buffer, pair.A.Now, out _))
                    throw new InvalidOperationException("seal failed");
                if (!pair.B.OpenData(buffer, source, pair.B.Now) || buffer.Length != packet.Length)
                    throw new InvalidOperationException("open failed");
            }
        });
        Assert.Equal(0, bytes);
    }
}
