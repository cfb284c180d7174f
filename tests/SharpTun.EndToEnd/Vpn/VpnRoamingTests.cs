using System.Text.Json;
using SharpTun.TestSupport;
using SharpTun.Vpn;

namespace SharpTun.EndToEnd.Vpn;

/// <summary>
/// Roaming (WireGuard paper §2.1): a client's underlay address changes in the middle of a TCP
/// transfer through the tunnel; the transfer goes on and the server's <c>vpn show</c> follows the
/// client to its new endpoint. Two SharpTun ends, <c>vpn up</c> on both.
/// </summary>
/// <remarks>
/// The client starts on 10.95.0.2 (eth0, to the server's 10.95.0.1 on eth-c0); a second veth pair
/// joins the client's eth1 (10.95.1.2) and the server's eth-c1 (10.95.1.1). The tunnel is
/// 10.211.0.1 (server) and 10.211.0.2 (client).
/// </remarks>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class VpnRoamingTests : IDisposable
{
    private readonly VpnLab _lab = new();

    public void Dispose() => _lab.Dispose();

    public enum Move
    {
        /// <summary>The client's address on its link changes (a new DHCP lease): old address deleted, then the new one added.</summary>
        NewAddress,

        /// <summary>The client's route to the server switches to its other link (Wi-Fi to mobile), and the old link goes down.</summary>
        OtherLink,
    }

    [Theory]
    [InlineData(Move.NewAddress, "10.95.0.3")]
    [InlineData(Move.OtherLink, "10.95.1.2")]
    public async Task ClientMovesDuringTransfer_TransferGoesOnAndTheServerFollows(Move move, string newAddress)
    {
        var server = _lab.Namespace("vsrv");
        var client = _lab.Namespace("vcli");
        _lab.Link(server, "eth-c0", "10.95.0.1/24", client, "eth0", "10.95.0.2/24");
        _lab.Link(server, "eth-c1", "10.95.1.1/24", client, "eth1", "10.95.1.2/24");
        var serverKey = WireGuardKey.GeneratePrivate();
        var clientKey = WireGuardKey.GeneratePrivate();
        var serverUp = _lab.Up(server, _lab.Configuration("stv0.conf", $"""
            [Interface]
            PrivateKey = {serverKey}
            Address = 10.211.0.1/24
            ListenPort = 51820
            [Peer]
            PublicKey = {clientKey.DerivePublic()}
            AllowedIPs = 10.211.0.2/32
            """));
        var clientUp = _lab.Up(client, _lab.Configuration("stv1.conf", $"""
            [Interface]
            PrivateKey = {clientKey}
            Address = 10.211.0.2/24
            ListenPort = 51821
            [Peer]
            PublicKey = {serverKey.DerivePublic()}
            AllowedIPs = 10.211.0.1/32
            Endpoint = 10.95.0.1:51820
            """));
        string Logs() => $"server:\n{serverUp.StandardError}\nclient:\n{clientUp.StandardError}";
        VpnLab.AssertPings(client, "10.211.0.1", Logs());
        _lab.WaitForShow(server, "stv0", text => text.Contains("endpoint: 10.95.0.2:51821\n", StringComparison.Ordinal));

        _lab.Start(server, "iperf3", "-s", "-1", "-B", "10.211.0.1");
        VpnLab.WaitForTcpListener(server, 5201);
        // A bounded transfer at a modest rate (the machine is shared): 8 one-second intervals.
        var transfer = Task.Run(() => client.Exec("iperf3 -c 10.211.0.1 -t 8 -b 20M -J", VpnLab.CommandTimeout));
        await Task.Delay(TimeSpan.FromSeconds(3));
        if (move == Move.NewAddress)
        {
            client.Ip("addr del 10.95.0.2/24 dev eth0");
            client.Ip("addr add 10.95.0.3/24 dev eth0");
        }
        else
        {
            client.Ip("route add 10.95.0.1/32 via 10.95.1.1 dev eth1");
            client.Ip("link set eth0 down");
        }
        var result = await transfer;
        Assert.True(result.ExitCode == 0, $"iperf3 failed across the move: {result}\n{Logs()}");

        // Every interval from two seconds after the move on carried data.
        using var report = JsonDocument.Parse(result.StandardOutput);
        var intervals = report.RootElement.GetProperty("intervals").EnumerateArray()
            .Select(i => i.GetProperty("sum"))
            .Select(sum => (Start: sum.GetProperty("start").GetDouble(), Bytes: sum.GetProperty("bytes").GetInt64()))
            .ToList();
        var afterMove = intervals.Where(i => i.Start >= 5).ToList();
        Assert.True(afterMove.Count >= 2 && afterMove.All(i => i.Bytes > 0),
            $"intervals (start, bytes) after the move at about 3 s: {string.Join(", ", intervals)}\n{Logs()}");

        _lab.WaitForShow(server, "stv0", text => text.Contains($"endpoint: {newAddress}:51821\n", StringComparison.Ordinal));
        VpnLab.AssertPings(server, "10.211.0.2", Logs());
    }
}
