using System.Net;
using SharpTun.Host;
using SharpTun.Vpn;
using SharpTun.Vpn.Config;
using static SharpTun.Tests.Vpn.Config.TestKeys;

namespace SharpTun.Tests.Vpn.Config;

public sealed class VpnConfigurationParserTests
{
    private static VpnConfiguration Parse(string text) => VpnConfigurationParser.Parse(text, "stv0", "stv0.conf");

    /// <summary>The shape commercial VPN providers hand out: one /32 and /128, their DNS, everything through the tunnel.</summary>
    [Fact]
    public void Parse_CommercialClientFile_ReadsEverything()
    {
        var configuration = Parse($"""
            [Interface]
            # Key for laptop
            # Bouncing = 1
            PrivateKey = {AlicePrivate}
            Address = 10.2.0.2/32, fc00:bbbb:bbbb:bb01::2/128
            DNS = 10.2.0.1

            [Peer]
            # CH#12
            PublicKey = {ServerPublic}
            AllowedIPs = 0.0.0.0/0, ::/0
            Endpoint = 185.159.157.10:51820
            PersistentKeepalive = 25
            """);

        Assert.Equal("stv0", configuration.InterfaceName);
        var settings = configuration.Interface;
        Assert.Equal(WireGuardKey.Parse(AlicePrivate), settings.PrivateKey);
        Assert.Equal([InterfaceAddress.Parse("10.2.0.2/32"), InterfaceAddress.Parse("fc00:bbbb:bbbb:bb01::2/128")], settings.Addresses);
        Assert.Equal([IPAddress.Parse("10.2.0.1")], settings.DnsServers);
        Assert.Empty(settings.DnsSearchDomains);
        Assert.Null(settings.ListenPort);
        Assert.Null(settings.Mtu);
        Assert.Equal(VpnRouteTable.Auto, settings.Table);
        Assert.Null(settings.FirewallMark);
        Assert.Equal(VpnTransport.Udp, settings.Transport);
        Assert.Equal(1, settings.Line);
        var peer = Assert.Single(configuration.Peers);
        Assert.Equal(WireGuardKey.Parse(ServerPublic), peer.PublicKey);
        Assert.Null(peer.PresharedKey);
        Assert.Equal([IPNetwork.Parse("0.0.0.0/0"), IPNetwork.Parse("::/0")], peer.AllowedIps);
        Assert.Equal("185.159.157.10:51820", peer.Endpoint!.ToString());
        Assert.Equal(IPAddress.Parse("185.159.157.10"), peer.Endpoint.Address);
        Assert.Equal(25, peer.PersistentKeepalive);
        Assert.Equal(8, peer.Line);
        Assert.Empty(configuration.Warnings);
    }

    /// <summary>A server in the shape of the usual tutorials: several clients, hooks, and our own keys.</summary>
    [Fact]
    public void Parse_ServerWithSeveralPeers_ReadsEveryPeerAndHook()
    {
        var configuration = Parse($"""
            [Interface]
            Address = 10.8.0.1/24
            Address = fd42:42:42::1/64
            ListenPort = 51820
            PrivateKey = {ServerPrivate}
            MTU = 1420
            Table = off
            FwMark = 0xca6c
            PreUp = echo starting %i
            PostUp = iptables -A FORWARD -i %i -j ACCEPT; iptables -t nat -A POSTROUTING -o eth0 -j MASQUERADE
            PostUp = logger "%i is up, a=b"
            PreDown = echo stopping %i
            PostDown = iptables -D FORWARD -i %i -j ACCEPT; iptables -t nat -D POSTROUTING -o eth0 -j MASQUERADE
            SaveConfig = false
            Masquerade = eth0
            Transport = tcp

            ### alice
            [Peer]
            PublicKey = {AlicePublic}
            PresharedKey = {Preshared}
            AllowedIPs = 10.8.0.2/32, fd42:42:42::2/128

            ### bob, with a LAN behind him
            [Peer]
            PublicKey = {BobPublic}
            AllowedIPs = 10.8.0.3/32
            AllowedIPs = 192.168.50.0/24
            Endpoint = [2001:db8::3]:51821

            [peer]
            publickey = {CarolPublic}
            allowedips = 10.8.0.4/32
            endpoint = carol.example.org:4500
            persistentkeepalive = off
            """);

        var settings = configuration.Interface;
        Assert.Equal([InterfaceAddress.Parse("10.8.0.1/24"), InterfaceAddress.Parse("fd42:42:42::1/64")], settings.Addresses);
        Assert.Equal(51820, settings.ListenPort);
        Assert.Equal(1420, settings.Mtu);
        Assert.Equal(VpnRouteTable.Off, settings.Table);
        Assert.Equal(0xca6cu, settings.FirewallMark);
        Assert.Equal(["echo starting %i"], settings.PreUp);
        Assert.Equal(["iptables -A FORWARD -i %i -j ACCEPT; iptables -t nat -A POSTROUTING -o eth0 -j MASQUERADE", "logger \"%i is up, a=b\""], settings.PostUp);
        Assert.Equal(["echo stopping %i"], settings.PreDown);
        Assert.Single(settings.PostDown);
        Assert.False(settings.SaveConfig);
        Assert.Equal("eth0", settings.Masquerade);
        Assert.Equal(VpnTransport.Tcp, settings.Transport);
        Assert.Equal("iptables -A FORWARD -i stv0 -j ACCEPT; iptables -t nat -A POSTROUTING -o eth0 -j MASQUERADE", configuration.ExpandHook(settings.PostUp[0]));

        Assert.Equal(3, configuration.Peers.Count);
        var (alice, bob, carol) = (configuration.Peers[0], configuration.Peers[1], configuration.Peers[2]);
        Assert.Equal(WireGuardKey.Parse(Preshared), alice.PresharedKey);
        Assert.Equal([IPNetwork.Parse("10.8.0.2/32"), IPNetwork.Parse("fd42:42:42::2/128")], alice.AllowedIps);
        Assert.Null(alice.Endpoint);
        Assert.Equal([IPNetwork.Parse("10.8.0.3/32"), IPNetwork.Parse("192.168.50.0/24")], bob.AllowedIps);
        Assert.Equal("[2001:db8::3]:51821", bob.Endpoint!.ToString());
        Assert.Equal(WireGuardKey.Parse(CarolPublic), carol.PublicKey);
        Assert.True(carol.Endpoint!.IsHostName);
        Assert.Equal("carol.example.org", carol.Endpoint.Host);
        Assert.Equal(4500, carol.Endpoint.Port);
        Assert.Null(carol.PersistentKeepalive);
        Assert.Empty(configuration.Warnings);
    }

    [Fact]
    public void Parse_WhitespaceCaseCommentsAndCrLf_AreTolerated()
    {
        var configuration = Parse($"  [INTERFACE]  # the device\r\n\tprivatekey={AlicePrivate}   \r\n  ADDRESS   =  10.0.0.2/24,10.0.1.2/24   10.0.2.2/24 #three\r\n\r\n[Peer]\r\nPublicKey = {ServerPublic}\r\nAllowedIPs =\r\n");

        Assert.Equal(3, configuration.Interface.Addresses.Count);
        Assert.Empty(configuration.Peers[0].AllowedIps);
    }

    [Fact]
    public void Parse_DnsEntries_SplitIntoServersAndSearchDomains()
    {
        var configuration = Parse($"""
            [Interface]
            PrivateKey = {AlicePrivate}
            DNS = 1.1.1.1, 2606:4700:4700::1111 corp.example.com
            DNS = lan
            """);

        Assert.Equal([IPAddress.Parse("1.1.1.1"), IPAddress.Parse("2606:4700:4700::1111")], configuration.Interface.DnsServers);
        Assert.Equal(["corp.example.com", "lan"], configuration.Interface.DnsSearchDomains);
    }

    [Theory]
    [InlineData("auto", VpnRouteTableKind.Auto, 0u)]
    [InlineData("OFF", VpnRouteTableKind.Off, 0u)]
    [InlineData("1234", VpnRouteTableKind.Id, 1234u)]
    [InlineData("main", VpnRouteTableKind.Id, 254u)]
    [InlineData("4294967295", VpnRouteTableKind.Id, 4294967295u)]
    public void Parse_Table_AcceptsAutoOffNumbersAndMain(string value, VpnRouteTableKind kind, uint id)
    {
        var table = Parse($"[Interface]\nPrivateKey = {AlicePrivate}\nTable = {value}\n").Interface.Table;

        Assert.Equal(new VpnRouteTable(kind, id), table);
    }

    [Theory]
    [InlineData("51820", 51820u)]
    [InlineData("0xCA6C", 0xca6cu)]
    [InlineData("0xffffffff", 0xffffffffu)]
    [InlineData("off", null)]
    [InlineData("0", null)]
    public void Parse_FwMark_AcceptsDecimalHexAndOff(string value, uint? expected)
    {
        var mark = Parse($"[Interface]\nPrivateKey = {AlicePrivate}\nFwMark = {value}\n").Interface.FirewallMark;

        Assert.Equal(expected, mark);
    }

    [Fact]
    public void Parse_AddressWithoutPrefix_IsAHostAddress()
    {
        var addresses = Parse($"[Interface]\nPrivateKey = {AlicePrivate}\nAddress = 10.0.0.2, fd00::2\n").Interface.Addresses;

        Assert.Equal([InterfaceAddress.Parse("10.0.0.2/32"), InterfaceAddress.Parse("fd00::2/128")], addresses);
    }

    [Fact]
    public void Parse_AllowedIpsWithHostBits_ClearsThemAndWarns()
    {
        var configuration = Parse($"[Interface]\nPrivateKey = {AlicePrivate}\n[Peer]\nPublicKey = {ServerPublic}\nAllowedIPs = 10.1.2.3/16, 10.1.0.0/16, fd00::1/64\n");

        Assert.Equal([IPNetwork.Parse("10.1.0.0/16"), IPNetwork.Parse("fd00::/64")], configuration.Peers[0].AllowedIps);
        Assert.Equal(2, configuration.Warnings.Count);
        Assert.Equal("stv0.conf:5: AllowedIPs 10.1.2.3/16 has host bits set; it means 10.1.0.0/16, as with wg", configuration.Warnings[0].ToString());
    }

    [Fact]
    public void Parse_SamePrefixForTwoPeers_WarnsThatTheLaterWins()
    {
        var configuration = Parse($"[Interface]\nPrivateKey = {ServerPrivate}\n[Peer]\nPublicKey = {AlicePublic}\nAllowedIPs = 10.8.0.2/32\n[Peer]\nPublicKey = {BobPublic}\nAllowedIPs = 10.8.0.2/32\n");

        var warning = Assert.Single(configuration.Warnings);
        Assert.Equal("stv0.conf:8: 10.8.0.2/32 is also in the AllowedIPs of the [Peer] on line 3; this later peer gets it, as with wg", warning.ToString());
    }

    [Fact]
    public void Parse_SaveConfigTrue_IsAcceptedWithAWarning()
    {
        var configuration = Parse($"[Interface]\nPrivateKey = {AlicePrivate}\nSaveConfig = TRUE\n");

        Assert.True(configuration.Interface.SaveConfig);
        Assert.Contains("SaveConfig = true is ignored", Assert.Single(configuration.Warnings).Message);
    }

    /// <summary>Every kind of broken file, each refused with the line and the reason.</summary>
    [Theory]
    [InlineData("", null, "there is no [Interface] section")]
    [InlineData("[Peer]\nPublicKey = " + ServerPublic, null, "there is no [Interface] section")]
    [InlineData("[Interface]\nAddress = 10.0.0.1/24", 1, "[Interface] has no PrivateKey")]
    [InlineData("PrivateKey = " + AlicePrivate + "\n[Interface]", 1, "'PrivateKey' comes before any section")]
    [InlineData("[Interface]\nPrivateKey = " + AlicePrivate + "\nPrivateKey = " + ServerPrivate, 3, "PrivateKey is given twice in this section (first on line 2)")]
    [InlineData("[Interface]\nPrivateKey = not-a-key", 2, "PrivateKey is not a WireGuard key")]
    [InlineData("[Interface]\nPrivateKey = AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", 2, "PrivateKey is all zeros")]
    [InlineData("[Interface]\nPrivateKey = " + AlicePrivate + "\nAdress = 10.0.0.1/24", 3, "unknown key 'Adress' in [Interface]")]
    [InlineData("[Interface]\nPrivateKey = " + AlicePrivate + "\nAddress = 10.0.0.1/33", 3, "'10.0.0.1/33': the prefix length must be a number from 0 to 32")]
    [InlineData("[Interface]\nPrivateKey = " + AlicePrivate + "\nAddress = 10.0.1/24", 3, "'10.0.1/24' is not an IP address")]
    [InlineData("[Interface]\nPrivateKey = " + AlicePrivate + "\nAddress = fd00::1/129", 3, "from 0 to 128")]
    [InlineData("[Interface]\nPrivateKey = " + AlicePrivate + "\nAddress = 10.0.0.1/24, 10.0.0.1/16", 3, "Address 10.0.0.1 is given twice")]
    [InlineData("[Interface]\nPrivateKey = " + AlicePrivate + "\nListenPort = 65536", 3, "ListenPort '65536' is not a port number")]
    [InlineData("[Interface]\nPrivateKey = " + AlicePrivate + "\nListenPort = -1", 3, "ListenPort '-1' is not a port number")]
    [InlineData("[Interface]\nPrivateKey = " + AlicePrivate + "\nMTU = 67", 3, "MTU '67' is not a number from 68 to 65535")]
    [InlineData("[Interface]\nPrivateKey = " + AlicePrivate + "\nMTU = 1420\nMTU = 1400", 4, "MTU is given twice")]
    [InlineData("[Interface]\nPrivateKey = " + AlicePrivate + "\nAddress = fd00::1/64\nMTU = 1200", 4, "MTU 1200 is below 1280")]
    [InlineData("[Interface]\nPrivateKey = " + AlicePrivate + "\nTable = vpn", 3, "Table 'vpn' is not auto, off, main or a table number")]
    [InlineData("[Interface]\nPrivateKey = " + AlicePrivate + "\nTable = 0", 3, "Table '0'")]
    [InlineData("[Interface]\nPrivateKey = " + AlicePrivate + "\nFwMark = 0x100000000", 3, "FwMark '0x100000000' is not off or a number")]
    [InlineData("[Interface]\nPrivateKey = " + AlicePrivate + "\nFwMark = 12ab", 3, "FwMark '12ab'")]
    [InlineData("[Interface]\nPrivateKey = " + AlicePrivate + "\nDNS = 1.1.1.300", 3, "DNS server '1.1.1.300' is not an IPv4 or IPv6 address")]
    [InlineData("[Interface]\nPrivateKey = " + AlicePrivate + "\nDNS = bad/domain", 3, "DNS search domain 'bad/domain'")]
    [InlineData("[Interface]\nPrivateKey = " + AlicePrivate + "\nSaveConfig = yes", 3, "SaveConfig 'yes' is neither true nor false")]
    [InlineData("[Interface]\nPrivateKey = " + AlicePrivate + "\nMasquerade = eth 0", 3, "Masquerade: invalid interface name 'eth 0'")]
    [InlineData("[Interface]\nPrivateKey = " + AlicePrivate + "\nMasquerade = averyveryverylongname", 3, "it must be 1 to 15 bytes long")]
    [InlineData("[Interface]\nPrivateKey = " + AlicePrivate + "\nMasquerade = eth\"0", 3, "cannot be used in an nftables rule")]
    [InlineData("[Interface]\nPrivateKey = " + AlicePrivate + "\nTransport = quic", 3, "Transport 'quic' is neither udp nor tcp")]
    [InlineData("[Interface]\nPrivateKey = " + AlicePrivate + "\n[Interface]", 3, "a second [Interface] section (the first is on line 1)")]
    [InlineData("[Interface]\nPrivateKey = " + AlicePrivate + "\n[Peers]\nPublicKey = x", 3, "unknown section '[Peers]' (expected [Interface] or [Peer])")]
    [InlineData("[Interface]\nPrivateKey = " + AlicePrivate + "\njust words", 3, "'just words' is neither a [Section] nor a 'Key = Value' line")]
    [InlineData("[Interface]\nPrivateKey = " + AlicePrivate + "\n= 5", 3, "the key is missing")]
    [InlineData("[Interface]\nPrivateKey = " + AlicePrivate + "\n[Peer]\nAllowedIPs = 10.0.0.0/8", 3, "this [Peer] has no PublicKey")]
    [InlineData("[Interface]\nPrivateKey = " + AlicePrivate + "\n[Peer]\nPublicKey = " + ServerPublic + "\nPublicKey = " + BobPublic, 5, "PublicKey is given twice")]
    [InlineData("[Interface]\nPrivateKey = " + AlicePrivate + "\n[Peer]\nPublicKey = " + ServerPublic + "\n[Peer]\nPublicKey = " + ServerPublic, 6, "the [Peer] on line 3 has the same PublicKey")]
    [InlineData("[Interface]\nPrivateKey = " + AlicePrivate + "\n[Peer]\nPublicKey = " + AlicePublic, 4, "this PublicKey is the interface's own")]
    [InlineData("[Interface]\nPrivateKey = " + AlicePrivate + "\n[Peer]\nPublicKey = " + ServerPublic + "\nListenPort = 1", 5, "unknown key 'ListenPort' in [Peer]")]
    [InlineData("[Interface]\nPrivateKey = " + AlicePrivate + "\n[Peer]\nPublicKey = " + ServerPublic + "\nPresharedKey = short", 5, "PresharedKey is not a WireGuard key")]
    [InlineData("[Interface]\nPrivateKey = " + AlicePrivate + "\n[Peer]\nPublicKey = " + ServerPublic + "\nAllowedIPs = 10.0.0.0/8, 300.0.0.0/8", 5, "'300.0.0.0/8' is not an IP address")]
    [InlineData("[Interface]\nPrivateKey = " + AlicePrivate + "\n[Peer]\nPublicKey = " + ServerPublic + "\nAllowedIPs = 10.0.0.0/x", 5, "the prefix length must be a number")]
    [InlineData("[Interface]\nPrivateKey = " + AlicePrivate + "\n[Peer]\nPublicKey = " + ServerPublic + "\nEndpoint = 192.0.2.1", 5, "Endpoint: '192.0.2.1' has no port")]
    [InlineData("[Interface]\nPrivateKey = " + AlicePrivate + "\n[Peer]\nPublicKey = " + ServerPublic + "\nEndpoint = 192.0.2.1:0", 5, "port '0' of '192.0.2.1:0' is not a number from 1 to 65535")]
    [InlineData("[Interface]\nPrivateKey = " + AlicePrivate + "\n[Peer]\nPublicKey = " + ServerPublic + "\nEndpoint = 192.0.2.1:65536", 5, "port '65536'")]
    [InlineData("[Interface]\nPrivateKey = " + AlicePrivate + "\n[Peer]\nPublicKey = " + ServerPublic + "\nEndpoint = [2001:db8::1:51820", 5, "has no ']'")]
    [InlineData("[Interface]\nPrivateKey = " + AlicePrivate + "\n[Peer]\nPublicKey = " + ServerPublic + "\nEndpoint = [192.0.2.1]:51820", 5, "is not an IPv6 address")]
    [InlineData("[Interface]\nPrivateKey = " + AlicePrivate + "\n[Peer]\nPublicKey = " + ServerPublic + "\nEndpoint = 10.0.1:51820", 5, "'10.0.1' is not an IPv4 address")]
    [InlineData("[Interface]\nPrivateKey = " + AlicePrivate + "\n[Peer]\nPublicKey = " + ServerPublic + "\nEndpoint = bad_host!:51820", 5, "'bad_host!' is not a host name")]
    [InlineData("[Interface]\nPrivateKey = " + AlicePrivate + "\n[Peer]\nPublicKey = " + ServerPublic + "\nPersistentKeepalive = 65536", 5, "PersistentKeepalive '65536' is not off or a number of seconds")]
    public void Parse_BrokenFile_IsRefusedWithLineAndReason(string text, int? line, string reason)
    {
        var error = Assert.Throws<VpnConfigurationException>(() => Parse(text));

        Assert.Contains(error.Errors, e => e.Line == line && e.Message.Contains(reason, StringComparison.Ordinal));
        Assert.All(error.Errors, e => Assert.Equal("stv0.conf", e.Source));
    }

    [Fact]
    public void Parse_SeveralErrors_ReportsEachWithItsLine()
    {
        var error = Assert.Throws<VpnConfigurationException>(() => Parse("[Interface]\nPrivateKey = x\nMTU = big\n[Peer]\nEndpoint = nowhere\n"));

        Assert.Equal([2, 3, 4, 5], error.Errors.Select(e => e.Line ?? 0).Order());
        Assert.StartsWith("stv0.conf:2: PrivateKey is not a WireGuard key", error.Message);
    }

    [Theory]
    [InlineData("wg0")]
    [InlineData("a")]
    [InlineData("st_v-0.a=b+c")]
    [InlineData("fifteen-chars15")]
    public void Parse_ValidInterfaceName_IsAccepted(string name) =>
        Assert.Equal(name, VpnConfigurationParser.Parse($"[Interface]\nPrivateKey = {AlicePrivate}\n", name, "x").InterfaceName);

    [Theory]
    [InlineData("")]
    [InlineData("sixteen-chars-16")]
    [InlineData("wg 0")]
    [InlineData("wg/0")]
    [InlineData("wg:0")]
    public void Parse_InvalidInterfaceName_Throws(string name) =>
        Assert.Throws<ArgumentException>(() => VpnConfigurationParser.Parse($"[Interface]\nPrivateKey = {AlicePrivate}\n", name, "x"));
}
