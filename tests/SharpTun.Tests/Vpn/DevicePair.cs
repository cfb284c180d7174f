using System.Buffers.Binary;
using System.Diagnostics;
using System.Net;
using SharpTun.TestSupport;
using SharpTun.Tun;
using SharpTun.Vpn;
using SharpTun.Vpn.Messages;
using SharpTun.Vpn.Transport;

namespace SharpTun.Tests.Vpn;

/// <summary>
/// Two WireGuard devices on in-memory TUN queues and an in-memory network, like wireguard-go's
/// device tests: A is 10.0.0.1 / fd00::1 at 192.0.2.1:51820, B is 10.0.0.2 / fd00::2 at
/// 192.0.2.2:51820. A knows B's endpoint; B learns A's from the first handshake.
/// </summary>
internal sealed class DevicePair : IDisposable
{
    public static readonly IPAddress AddressA = IPAddress.Parse("10.0.0.1");
    public static readonly IPAddress AddressB = IPAddress.Parse("10.0.0.2");
    public static readonly IPAddress AddressA6 = IPAddress.Parse("fd00::1");
    public static readonly IPAddress AddressB6 = IPAddress.Parse("fd00::2");

    public DevicePair(TimeProvider? time = null, WireGuardKey? presharedKey = null, TimeSpan? persistentKeepaliveAtA = null, bool bKnowsA = false, Func<MemoryTunQueue, ITunQueue>? wrapTunB = null, Func<WireGuardEndpoint, WireGuardEndpoint, byte[], bool>? filter = null, bool tunOffloadAtA = false)
    {
        Time = time ?? TimeProvider.System;
        Network.Filter = filter;
        KeyA = WireGuardKey.GeneratePrivate();
        KeyB = WireGuardKey.GeneratePrivate();
        TransportA = Network.Create("192.0.2.1", 51820);
        TransportB = Network.Create("192.0.2.2", 51820);
        B = WireGuardDevice.Start(new WireGuardDeviceOptions
        {
            PrivateKey = KeyB,
            Peers = [new WireGuardPeerOptions
            {
                PublicKey = KeyA.DerivePublic(),
                PresharedKey = presharedKey,
                AllowedIps = [IPNetwork.Parse("10.0.0.1/32"), IPNetwork.Parse("fd00::1/128")],
                Endpoint = bKnowsA ? new IPEndPoint(IPAddress.Parse("192.0.2.1"), 51820) : null,
            }],
        }, wrapTunB?.Invoke(TunB) ?? TunB, TransportB, Time);
        A = WireGuardDevice.Start(new WireGuardDeviceOptions
        {
            PrivateKey = KeyA,
            TunOffload = tunOffloadAtA,
            Peers = [new WireGuardPeerOptions
            {
                PublicKey = KeyB.DerivePublic(),
                PresharedKey = presharedKey,
                AllowedIps = [IPNetwork.Parse("10.0.0.0/24"), IPNetwork.Parse("fd00::/64")],
                Endpoint = new IPEndPoint(IPAddress.Parse("192.0.2.2"), 51820),
                PersistentKeepalive = persistentKeepaliveAtA,
            }],
        }, TunA, TransportA, Time);
    }

    public TimeProvider Time { get; }
    public MemoryNetwork Network { get; } = new();
    public WireGuardKey KeyA { get; }
    public WireGuardKey KeyB { get; }
    public MemoryTunQueue TunA { get; } = new();
    public MemoryTunQueue TunB { get; } = new();
    public MemoryTransport TransportA { get; }
    public MemoryTransport TransportB { get; }
    public WireGuardDevice A { get; }
    public WireGuardDevice B { get; }

    public Peer PeerAtA => A.FindPeer(KeyB.DerivePublic())!;
    public Peer PeerAtB => B.FindPeer(KeyA.DerivePublic())!;

    public static byte[] Ping(IPAddress source, IPAddress destination, ushort id, int payload = 56) =>
        TestPackets.Ipv4EchoRequest(source, destination, id, payload);

    /// <summary>A minimal IPv6/UDP packet (checksums do not matter to the in-memory TUN).</summary>
    public static byte[] Ipv6Udp(IPAddress source, IPAddress destination, int payload)
    {
        var packet = new byte[40 + 8 + payload];
        packet[0] = 0x60;
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(4), (ushort)(8 + payload));
        packet[6] = 17;
        packet[7] = 64;
        source.TryWriteBytes(packet.AsSpan(8), out _);
        destination.TryWriteBytes(packet.AsSpan(24), out _);
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(44), (ushort)(8 + payload));
        return packet;
    }

    /// <summary>Waits (in real time, bounded) for the next packet written to <paramref name="tun"/>.</summary>
    public static byte[]? Take(MemoryTunQueue tun, TimeSpan? timeout = null)
    {
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < (timeout ?? TimeSpan.FromSeconds(5)))
        {
            if (tun.TryTakeWritten(out var packet))
                return packet;
            Thread.Sleep(1);
        }
        return null;
    }

    public static bool Eventually(Func<bool> condition, TimeSpan? timeout = null)
    {
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < (timeout ?? TimeSpan.FromSeconds(5)))
        {
            if (condition())
                return true;
            Thread.Sleep(1);
        }
        return condition();
    }

    /// <summary>Waits until both devices have taken in everything sent to them (quiet for a few checks in a row).</summary>
    public void Settle()
    {
        var quiet = 0;
        var watch = Stopwatch.StartNew();
        while (quiet < 3 && watch.Elapsed < TimeSpan.FromSeconds(5))
        {
            Thread.Sleep(2);
            quiet = TransportA.IsIdle && TransportB.IsIdle ? quiet + 1 : 0;
        }
    }

    /// <summary>Moves a hand-moved clock second by second, letting the devices answer what each second's timers sent.</summary>
    public void AdvanceSettled(ManualTimeProvider time, TimeSpan by)
    {
        for (var left = by; left > TimeSpan.Zero; left -= TimeSpan.FromSeconds(1))
        {
            time.Advance(left < TimeSpan.FromSeconds(1) ? left : TimeSpan.FromSeconds(1));
            Settle();
        }
    }

    /// <summary>Pings B from A and back, which completes a handshake.</summary>
    public void Connect()
    {
        Assert.True(TunA.TryInject(Ping(AddressA, AddressB, 1)));
        Assert.NotNull(Take(TunB));
        Assert.True(TunB.TryInject(Ping(AddressB, AddressA, 2)));
        Assert.NotNull(Take(TunA));
    }

    public static bool IsType(byte[] datagram, MessageType type) => datagram.Length >= 4 && datagram[0] == (byte)type;

    public void Dispose()
    {
        A.Dispose();
        B.Dispose();
    }
}
