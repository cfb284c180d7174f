using System.Net;
using System.Net.Sockets;
using SharpTun.TestSupport;
using SharpTun.Vpn;

namespace SharpTun.EndToEnd.Vpn;

/// <summary>
/// An attacker on the path (paper §5.4.6, §6.1): a data message captured on the underlay and sent
/// again is dropped as a replay, copies with one byte flipped are dropped as invalid, and both show
/// in <c>vpn show</c>'s <c>dropped:</c> line; neither moves the peer's endpoint to the attacker's
/// address (roaming follows authenticated, fresh messages only), and the tunnel keeps working.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class VpnReplayTests : IDisposable
{
    private readonly VpnLab _lab = new();

    public void Dispose() => _lab.Dispose();

    [Fact]
    public async Task ReplayedAndTamperedDataMessages_AreDroppedCountedAndDoNotMoveTheEndpoint()
    {
        var server = _lab.Namespace("vsrv");
        var client = _lab.Namespace("vcli");
        _lab.Link(server, "eth-c", "10.93.0.1/24", client, "eth0", "10.93.0.2/24");
        var serverKey = WireGuardKey.GeneratePrivate();
        var clientKey = WireGuardKey.GeneratePrivate();
        var serverUp = _lab.Up(server, _lab.Configuration("stv0.conf", $"""
            [Interface]
            PrivateKey = {serverKey}
            Address = 10.213.0.1/24
            ListenPort = 51820
            [Peer]
            PublicKey = {clientKey.DerivePublic()}
            AllowedIPs = 10.213.0.2/32
            """));
        var clientUp = _lab.Up(client, _lab.Configuration("stv1.conf", $"""
            [Interface]
            PrivateKey = {clientKey}
            Address = 10.213.0.2/24
            ListenPort = 51821
            [Peer]
            PublicKey = {serverKey.DerivePublic()}
            AllowedIPs = 10.213.0.1/32
            Endpoint = 10.93.0.1:51820
            """));
        string Logs() => $"server:\n{serverUp.StandardError}\nclient:\n{clientUp.StandardError}";
        VpnLab.AssertPings(client, "10.213.0.1", Logs());

        var captured = await CaptureDataMessage(server, client);
        Assert.Equal(4, captured[0]); // a transport data message (type 4), as delivered once already

        // From the client's address but another port: an attacker next to the client.
        SendFrom(client, captured, captured);
        var tampered = new List<byte[]>();
        foreach (var offset in new[] { 8, 16, captured.Length - 1 }) // the counter, the ciphertext, the tag
        {
            var copy = captured.ToArray();
            copy[offset] ^= 0x01;
            tampered.Add(copy);
        }
        SendFrom(client, [.. tampered]);

        var show = _lab.WaitForShow(server, "stv0", text => text.Contains(" 3 invalid", StringComparison.Ordinal) && text.Contains(" 2 replayed", StringComparison.Ordinal));
        // Nothing else: no kernel chatter either (the interface has no IPv6 link-local address to send it from).
        Assert.True(show.Contains("\n  dropped: 3 invalid, 2 replayed\n", StringComparison.Ordinal), show);
        Assert.Contains("  endpoint: 10.93.0.2:51821\n", show);
        VpnLab.AssertPings(client, "10.213.0.1", Logs());
        VpnLab.AssertPings(server, "10.213.0.2", Logs());
    }

    /// <summary>
    /// The UDP payload of one data message from the client to the server, read off the server's
    /// link by tshark while the client pings with 400-byte payloads (handshake messages and
    /// keepalives are shorter than the capture filter's 300 bytes).
    /// </summary>
    private async Task<byte[]> CaptureDataMessage(TestNamespace server, TestNamespace client)
    {
        var tshark = _lab.Start(server, "tshark", "-i", "eth-c", "-c", "1", "-f", "udp dst port 51820 and greater 300", "-T", "fields", "-e", "udp.payload");
        var output = tshark.StandardOutput.ReadToEndAsync();
        // tshark needs a few seconds to start on a busy machine; it says so once it captures.
        var stderr = new System.Text.StringBuilder();
        var capturing = Task.Run(async () =>
        {
            while (await tshark.StandardError.ReadLineAsync() is { } line)
            {
                stderr.AppendLine(line);
                if (line.StartsWith("Capturing on", StringComparison.Ordinal))
                    return true;
            }
            return false;
        });
        Assert.True(await capturing.WaitAsync(VpnLab.CommandTimeout), $"tshark did not start capturing: {stderr}");
        for (var attempt = 0; !output.IsCompleted && attempt < 20; attempt++)
            client.Exec("ping -c 1 -s 400 -W 1 10.213.0.1", VpnLab.CommandTimeout);
        var printed = await output.WaitAsync(TimeSpan.FromSeconds(10));
        var hex = printed.Trim().Replace(":", "", StringComparison.Ordinal);
        Assert.True(hex.Length > 600, $"tshark printed '{printed}'");
        return Convert.FromHexString(hex);
    }

    /// <summary>Sends each datagram to the server's port from a new UDP socket in <paramref name="ns"/>.</summary>
    private static void SendFrom(TestNamespace ns, params byte[][] datagrams) => ns.RunInside(() =>
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        foreach (var datagram in datagrams)
            socket.SendTo(datagram, new IPEndPoint(IPAddress.Parse("10.93.0.1"), 51820));
    });
}
