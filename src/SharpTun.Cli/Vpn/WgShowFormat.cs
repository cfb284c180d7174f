using System.Globalization;
using System.Text;
using SharpTun.Vpn;

namespace SharpTun.Cli.Vpn;

/// <summary>
/// Prints a <see cref="VpnStatus"/> the way <c>wg show</c> does (without colours): the interface,
/// then its peers, the most recent handshake first and peers that never shook hands last. One line
/// is ours: <c>dropped:</c> in the interface section counts what the data plane threw away (forged
/// or replayed messages, packets from a source the peer may not use, ...), left out while nothing was.
/// </summary>
public static class WgShowFormat
{
    public static string Format(string interfaceName, VpnStatus status, DateTimeOffset now)
    {
        var text = new StringBuilder();
        text.Append("interface: ").Append(interfaceName).Append('\n');
        text.Append("  public key: ").Append(status.PublicKey).Append('\n');
        text.Append("  private key: (hidden)\n");
        if (status.ListenPort is > 0)
            text.Append("  listening port: ").Append(status.ListenPort.Value.ToString(CultureInfo.InvariantCulture)).Append('\n');
        if (status.FirewallMark is { } mark and not 0)
            text.Append("  fwmark: 0x").Append(mark.ToString("x", CultureInfo.InvariantCulture)).Append('\n');
        if (status.Dropped is { } dropped && Drops(dropped) is { Length: > 0 } drops)
            text.Append("  dropped: ").Append(drops).Append('\n');
        var peers = status.Peers.OrderBy(p => p.LatestHandshake is null).ThenByDescending(p => p.LatestHandshake).ToList();
        foreach (var peer in peers)
        {
            text.Append('\n');
            text.Append("peer: ").Append(peer.PublicKey).Append('\n');
            if (peer.HasPresharedKey)
                text.Append("  preshared key: (hidden)\n");
            if (peer.Endpoint is not null)
                text.Append("  endpoint: ").Append(peer.Endpoint).Append('\n');
            text.Append("  allowed ips: ").Append(peer.AllowedIps.Count == 0 ? "(none)" : string.Join(", ", peer.AllowedIps)).Append('\n');
            if (peer.LatestHandshake is { } handshake)
                text.Append("  latest handshake: ").Append(Ago(handshake, now)).Append('\n');
            if (peer.ReceivedBytes != 0 || peer.SentBytes != 0)
                text.Append("  transfer: ").Append(Bytes(peer.ReceivedBytes)).Append(" received, ").Append(Bytes(peer.SentBytes)).Append(" sent\n");
            if (peer.PersistentKeepalive is > 0)
                text.Append("  persistent keepalive: every ").Append(Duration(peer.PersistentKeepalive.Value)).Append('\n');
        }
        return text.ToString();
    }

    /// <summary>
    /// "3 invalid, 2 replayed": the non-zero drop counters, in a fixed order. Invalid: could not be
    /// authenticated, unknown session or malformed; replayed: a data message received before (or
    /// older than the replay window); source not allowed: the inner packet's source is outside the
    /// sending peer's AllowedIPs; no route: no peer's AllowedIPs holds the destination; too big:
    /// longer than the MTU; handshakes refused: bad, unknown, rate-limited or queue full; queue
    /// overflow: packets waiting for a handshake pushed out; tun write failed: decrypted packets the
    /// TUN device refused. Cookie replies sent are no drops and stay in the status file only.
    /// </summary>
    public static string Drops(WireGuardDeviceCounters dropped)
    {
        ArgumentNullException.ThrowIfNull(dropped);
        var parts = new List<string>(8);
        AddCount(parts, dropped.InvalidMessages, "invalid");
        AddCount(parts, dropped.ReplayedMessages, "replayed");
        AddCount(parts, dropped.SourceNotAllowed, "source not allowed");
        AddCount(parts, dropped.NoRoute, "no route");
        AddCount(parts, dropped.OversizedPackets, "too big");
        AddCount(parts, dropped.HandshakesRefused, "handshakes refused");
        AddCount(parts, dropped.StagedPacketsDropped, "queue overflow");
        AddCount(parts, dropped.TunWriteFailures, "tun write failed");
        return string.Join(", ", parts);
    }

    /// <summary>"1 minute, 5 seconds ago", "Now", as wg's <c>ago()</c>.</summary>
    public static string Ago(DateTimeOffset then, DateTimeOffset now)
    {
        var seconds = (long)Math.Floor((now - then).TotalSeconds);
        if (seconds == 0)
            return "Now";
        if (seconds < 0)
            return "(System clock wound backward; connection problems may ensue.)";
        return Duration(seconds) + " ago";
    }

    /// <summary>"1 year, 2 days, 3 hours, 4 minutes, 5 seconds", zero parts left out, as wg's <c>pretty_time()</c>.</summary>
    public static string Duration(long seconds)
    {
        var parts = new List<string>(5);
        Add(parts, seconds / (365 * 86400), "year");
        Add(parts, seconds % (365 * 86400) / 86400, "day");
        Add(parts, seconds % 86400 / 3600, "hour");
        Add(parts, seconds % 3600 / 60, "minute");
        Add(parts, seconds % 60, "second");
        return string.Join(", ", parts);
    }

    /// <summary>"512 B", "1.50 KiB", "3.00 MiB", as wg's <c>bytes()</c>.</summary>
    public static string Bytes(long count)
    {
        if (count < 1024)
            return $"{count} B";
        string[] units = ["KiB", "MiB", "GiB", "TiB"];
        var value = count / 1024.0;
        var unit = 0;
        while (value >= 1024 && unit < units.Length - 1)
        {
            value /= 1024;
            unit++;
        }
        return value.ToString("0.00", CultureInfo.InvariantCulture) + " " + units[unit];
    }

    private static void AddCount(List<string> parts, long count, string reason)
    {
        if (count != 0)
            parts.Add(count.ToString(CultureInfo.InvariantCulture) + " " + reason);
    }

    private static void Add(List<string> parts, long count, string unit)
    {
        if (count != 0)
            parts.Add($"{count} {unit}{(count == 1 ? "" : "s")}");
    }
}
