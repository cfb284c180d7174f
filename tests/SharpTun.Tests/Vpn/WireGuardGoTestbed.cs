using System.Net;
using SharpTun.TestSupport;
using SharpTun.Tun;
using SharpTun.Vpn;

namespace SharpTun.Tests.Vpn;

/// <summary>
/// Debian's wireguard-go (interface wgo0, 10.200.0.1 / fd20::1, UDP 10.99.1.1:51820) in one
/// namespace and a <see cref="WireGuardDevice"/> on a real TUN (stw0, 10.200.0.2 / fd20::2, UDP
/// 10.99.1.2:51821) in another, joined by a veth pair. Everything goes on dispose, even after a
/// failure half way through.
/// </summary>
internal sealed class WireGuardGoTestbed : IDisposable
{
    public const string GoTunnel4 = "10.200.0.1", OurTunnel4 = "10.200.0.2", GoTunnel6 = "fd20::1", OurTunnel6 = "fd20::2";
    private const string GoUnderlay4 = "10.99.1.1", OurUnderlay4 = "10.99.1.2", GoUnderlay6 = "fd99::1", OurUnderlay6 = "fd99::2";
    private const int GoPort = 51820, OurPort = 51821;

    private readonly List<IDisposable> _cleanup = [];
    private WireGuardGoProcess? _wireguardGo;
    private LinuxTunDevice? _tun;

    /// <param name="weKnowTheirEndpoint">Our device is configured with wireguard-go's endpoint (so we can initiate).</param>
    /// <param name="theyKnowOurEndpoint">wireguard-go is configured with our endpoint (so it can initiate).</param>
    /// <param name="ipv6Underlay">The peers talk UDP over IPv6 (fd99::1 and fd99::2) instead of IPv4.</param>
    public WireGuardGoTestbed(bool weKnowTheirEndpoint, bool theyKnowOurEndpoint, bool presharedKey = true, bool ipv6Underlay = false)
    {
        var goEndpoint = ipv6Underlay ? new IPEndPoint(IPAddress.Parse(GoUnderlay6), GoPort) : new IPEndPoint(IPAddress.Parse(GoUnderlay4), GoPort);
        OurEndpoint = ipv6Underlay ? new IPEndPoint(IPAddress.Parse(OurUnderlay6), OurPort) : new IPEndPoint(IPAddress.Parse(OurUnderlay4), OurPort);
        try
        {
            GoNamespace = Track(TestNamespace.Create("wgo"));
            OurNamespace = Track(TestNamespace.Create("wst"));
            var veth = $"wv{Environment.ProcessId % 10000}{Random.Shared.Next(100)}";
            Run.Checked($"ip link add {veth}a netns {GoNamespace.Name} type veth peer name {veth}b netns {OurNamespace.Name}");
            GoNamespace.Ip($"addr add {GoUnderlay4}/24 dev {veth}a");
            GoNamespace.Ip($"addr add {GoUnderlay6}/64 dev {veth}a nodad");
            GoNamespace.Ip($"link set {veth}a up");
            OurNamespace.Ip($"addr add {OurUnderlay4}/24 dev {veth}b");
            OurNamespace.Ip($"addr add {OurUnderlay6}/64 dev {veth}b nodad");
            OurNamespace.Ip($"link set {veth}b up");

            var goKey = WireGuardKey.GeneratePrivate();
            var ourKey = WireGuardKey.GeneratePrivate();
            var psk = presharedKey ? WireGuardKey.GeneratePreshared() : null;
            StartWireGuardGo(goKey, ourKey.DerivePublic(), psk, theyKnowOurEndpoint);

            Device = OurNamespace.RunInside(() =>
            {
                // With offload, as `vpn up` opens it: bulk transfers go through segmentation and coalescing.
                _tun = LinuxTunDevice.Create(new TunOptions { Name = "stw0", Offload = true });
                OurNamespace.Ip("addr add 10.200.0.2/24 dev stw0");
                OurNamespace.Ip("addr add fd20::2/64 dev stw0 nodad");
                OurNamespace.Ip("link set stw0 mtu 1420 up");
                return WireGuardDevice.Start(new WireGuardDeviceOptions
                {
                    PrivateKey = ourKey,
                    ListenPort = OurPort,
                    TunOffload = true,
                    Peers = [new WireGuardPeerOptions
                    {
                        PublicKey = goKey.DerivePublic(),
                        PresharedKey = psk,
                        AllowedIps = [IPNetwork.Parse("10.200.0.1/32"), IPNetwork.Parse("fd20::1/128")],
                        Endpoint = weKnowTheirEndpoint ? goEndpoint : null,
                    }],
                }, _tun.Queues[0]);
            });
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public TestNamespace GoNamespace { get; } = null!;
    public TestNamespace OurNamespace { get; } = null!;
    public WireGuardDevice Device { get; } = null!;

    /// <summary>Our UDP endpoint on the veth pair.</summary>
    public IPEndPoint OurEndpoint { get; }

    /// <summary><c>wg show wgo0 dump</c> from wireguard-go's side.</summary>
    public string GoDump() => GoNamespace.Exec("wg show wgo0 dump").StandardOutput;

    private void StartWireGuardGo(WireGuardKey goKey, WireGuardKey ourPublic, WireGuardKey? psk, bool withEndpoint)
    {
        _wireguardGo = WireGuardGoProcess.Start(GoNamespace, "wgo0");
        var arguments = new List<string> { "private-key", _wireguardGo.KeyFile(goKey), "listen-port", GoPort.ToString(), "peer", ourPublic.ToString(), "allowed-ips", "10.200.0.2/32,fd20::2/128" };
        if (psk is not null)
            arguments.AddRange(["preshared-key", _wireguardGo.KeyFile(psk)]);
        if (withEndpoint)
            arguments.AddRange(["endpoint", OurEndpoint.ToString()]);
        _wireguardGo.Set(arguments);
        GoNamespace.Ip("addr add 10.200.0.1/24 dev wgo0");
        GoNamespace.Ip("addr add fd20::1/64 dev wgo0 nodad");
        GoNamespace.Ip("link set wgo0 mtu 1420 up");
    }

    private T Track<T>(T item) where T : IDisposable
    {
        _cleanup.Add(item);
        return item;
    }

    public void Dispose()
    {
        Device?.Dispose();
        _tun?.Dispose();
        _wireguardGo?.Dispose();
        for (var i = _cleanup.Count - 1; i >= 0; i--)
            _cleanup[i].Dispose();
    }
}
