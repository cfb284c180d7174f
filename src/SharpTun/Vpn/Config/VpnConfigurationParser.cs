using System.Net;
using SharpTun.Host;

namespace SharpTun.Vpn.Config;

/// <summary>
/// Reads wg-quick configuration files: the <c>[Interface]</c> keys of wg(8) and wg-quick(8), the
/// <c>[Peer]</c> keys of wg(8), and SharpTun's <c>Masquerade</c> and <c>Transport</c>. As wg does,
/// keys and section names are case-insensitive, <c>#</c> starts a comment anywhere on a line, and
/// space around keys and values is ignored. Unlike wg, which lets a later line silently override an
/// earlier one, a key that takes one value may appear once, and every problem is reported with its
/// line instead of the first one only.
/// </summary>
public static class VpnConfigurationParser
{
    /// <summary>
    /// Parses <paramref name="text"/> for interface <paramref name="interfaceName"/>;
    /// <paramref name="source"/> names the file in messages. Throws
    /// <see cref="VpnConfigurationException"/> listing every error.
    /// </summary>
    public static VpnConfiguration Parse(string text, string interfaceName, string source)
    {
        ArgumentNullException.ThrowIfNull(text);
        VpnInterfaceName.Validate(interfaceName);
        var state = new ParseState(source);
        var lines = text.Split('\n');
        for (var index = 0; index < lines.Length; index++)
            state.ReadLine(index + 1, lines[index]);
        return state.Finish(interfaceName);
    }

    private enum Section { None, Interface, Peer, Unknown }

    private sealed class ParseState(string source)
    {
        private readonly List<VpnConfigurationIssue> _errors = [];
        private readonly List<VpnConfigurationIssue> _warnings = [];
        private readonly List<PeerBuilder> _peers = [];
        private InterfaceBuilder? _interface;
        private Section _section;

        public void ReadLine(int number, string line)
        {
            var comment = line.IndexOf('#');
            var content = (comment < 0 ? line : line[..comment]).Trim();
            if (content.Length == 0)
                return;
            if (content.StartsWith('['))
            {
                StartSection(number, content);
                return;
            }
            var equals = content.IndexOf('=');
            if (equals < 0)
            {
                Error(number, $"'{content}' is neither a [Section] nor a 'Key = Value' line");
                return;
            }
            var key = content[..equals].Trim();
            var value = content[(equals + 1)..].Trim();
            switch (_section)
            {
                case Section.None:
                    Error(number, $"'{key}' comes before any section: put it under [Interface] or [Peer]");
                    break;
                case Section.Interface:
                    ReadInterfaceKey(_interface!, number, key, value);
                    break;
                case Section.Peer:
                    ReadPeerKey(_peers[^1], number, key, value);
                    break;
            }
        }

        public VpnConfiguration Finish(string interfaceName)
        {
            if (_interface is null)
                _errors.Insert(0, new VpnConfigurationIssue(source, null, "there is no [Interface] section"));
            else if (_interface.PrivateKey is null && !_interface.Seen.ContainsKey("PrivateKey"))
                Error(_interface.Line, "[Interface] has no PrivateKey (make one with 'sharptun vpn genkey')");
            var ownPublicKey = _interface?.PrivateKey?.DerivePublic();
            var peersByKey = new Dictionary<WireGuardKey, PeerBuilder>();
            var peersByPrefix = new Dictionary<IPNetwork, PeerBuilder>();
            foreach (var peer in _peers)
            {
                if (peer.PublicKey is null)
                {
                    // A PublicKey line that failed to parse has been reported already.
                    if (!peer.Seen.ContainsKey("PublicKey"))
                        Error(peer.Line, "this [Peer] has no PublicKey");
                    continue;
                }
                if (peer.PublicKey == ownPublicKey)
                    Error(peer.PublicKeyLine, "this PublicKey is the interface's own (derived from its PrivateKey): a peer is the other end");
                else if (!peersByKey.TryAdd(peer.PublicKey, peer))
                    Error(peer.PublicKeyLine, $"the [Peer] on line {peersByKey[peer.PublicKey].Line} has the same PublicKey: merge the two sections");
                foreach (var (prefix, line) in peer.AllowedIps)
                {
                    if (!peersByPrefix.TryAdd(prefix, peer) && peersByPrefix[prefix] != peer)
                    {
                        Warn(line, $"{prefix} is also in the AllowedIPs of the [Peer] on line {peersByPrefix[prefix].Line}; this later peer gets it, as with wg");
                        peersByPrefix[prefix] = peer;
                    }
                }
            }
            if (_interface is { Mtu: < VpnConfigurationValues.MinimumIpv6Mtu } && _interface.Addresses.Any(a => a.Address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6))
                Error(_interface.MtuLine, $"MTU {_interface.Mtu} is below {VpnConfigurationValues.MinimumIpv6Mtu}, the IPv6 minimum, but the interface has IPv6 addresses (the kernel would drop them)");
            if (_errors.Count > 0)
                throw new VpnConfigurationException(_errors.OrderBy(e => e.Line ?? 0).ToArray());
            return new VpnConfiguration
            {
                InterfaceName = interfaceName,
                Interface = _interface!.Build(),
                Peers = [.. _peers.Select(p => p.Build())],
                Warnings = _warnings,
            };
        }

        private void StartSection(int number, string header)
        {
            if (header.Equals("[Interface]", StringComparison.OrdinalIgnoreCase))
            {
                if (_interface is not null)
                    Error(number, $"a second [Interface] section (the first is on line {_interface.Line})");
                _interface ??= new InterfaceBuilder(number);
                _section = Section.Interface;
            }
            else if (header.Equals("[Peer]", StringComparison.OrdinalIgnoreCase))
            {
                _peers.Add(new PeerBuilder(number));
                _section = Section.Peer;
            }
            else
            {
                Error(number, $"unknown section '{header}' (expected [Interface] or [Peer])");
                // Its keys are not checked: one error for the header says enough.
                _section = Section.Unknown;
            }
        }

        private void ReadInterfaceKey(InterfaceBuilder section, int number, string key, string value)
        {
            string? error = null;
            switch (key.ToLowerInvariant())
            {
                case "privatekey":
                    if (Once(section.Seen, "PrivateKey", number) && VpnConfigurationValues.TryParseKey("PrivateKey", value, out var privateKey, out error))
                    {
                        if (privateKey.IsZero)
                            error = "PrivateKey is all zeros, which WireGuard treats as no key";
                        section.PrivateKey = privateKey;
                    }
                    break;
                case "address":
                    foreach (var item in VpnConfigurationValues.SplitList(value))
                    {
                        if (!VpnConfigurationValues.TryParseAddress(item, out var address, out error))
                            break;
                        if (section.Addresses.Any(a => a.Address.Equals(address.Address)))
                        {
                            error = $"Address {address.Address} is given twice";
                            break;
                        }
                        section.Addresses.Add(address);
                    }
                    break;
                case "listenport":
                    if (Once(section.Seen, "ListenPort", number) && VpnConfigurationValues.TryParseListenPort(value, out var port, out error))
                        section.ListenPort = port;
                    break;
                case "dns":
                    foreach (var item in VpnConfigurationValues.SplitList(value))
                    {
                        if (!VpnConfigurationValues.TryParseDnsEntry(item, out var server, out var domain, out error))
                            break;
                        if (server is not null)
                            section.DnsServers.Add(server);
                        else
                            section.DnsSearchDomains.Add(domain!);
                    }
                    break;
                case "mtu":
                    if (Once(section.Seen, "MTU", number) && VpnConfigurationValues.TryParseMtu(value, out var mtu, out error))
                    {
                        section.Mtu = mtu;
                        section.MtuLine = number;
                    }
                    break;
                case "table":
                    if (Once(section.Seen, "Table", number) && VpnConfigurationValues.TryParseTable(value, out var table, out error))
                        section.Table = table;
                    break;
                case "fwmark":
                    if (Once(section.Seen, "FwMark", number) && VpnConfigurationValues.TryParseFirewallMark(value, out var mark, out error))
                        section.FirewallMark = mark;
                    break;
                case "preup":
                    AddHook(section.PreUp, value);
                    break;
                case "postup":
                    AddHook(section.PostUp, value);
                    break;
                case "predown":
                    AddHook(section.PreDown, value);
                    break;
                case "postdown":
                    AddHook(section.PostDown, value);
                    break;
                case "saveconfig":
                    if (Once(section.Seen, "SaveConfig", number) && VpnConfigurationValues.TryParseBoolean("SaveConfig", value, out var save, out error))
                    {
                        section.SaveConfig = save;
                        if (save)
                            Warn(number, "SaveConfig = true is ignored: sharptun never rewrites the configuration file");
                    }
                    break;
                case "masquerade":
                    if (Once(section.Seen, "Masquerade", number) && VpnConfigurationValues.TryParseInterfaceName("Masquerade", value, out error))
                        section.Masquerade = value;
                    break;
                case "transport":
                    if (Once(section.Seen, "Transport", number) && VpnConfigurationValues.TryParseTransport(value, out var transport, out error))
                        section.Transport = transport;
                    break;
                default:
                    error = UnknownKey(key, "[Interface]", "PrivateKey, Address, ListenPort, DNS, MTU, Table, FwMark, PreUp, PostUp, PreDown, PostDown, SaveConfig, Masquerade, Transport");
                    break;
            }
            if (error is not null)
                Error(number, error);
        }

        private void ReadPeerKey(PeerBuilder peer, int number, string key, string value)
        {
            string? error = null;
            switch (key.ToLowerInvariant())
            {
                case "publickey":
                    if (Once(peer.Seen, "PublicKey", number) && VpnConfigurationValues.TryParseKey("PublicKey", value, out var publicKey, out error))
                    {
                        if (publicKey.IsZero)
                            error = "PublicKey is all zeros, which is no key";
                        peer.PublicKey = publicKey;
                        peer.PublicKeyLine = number;
                    }
                    break;
                case "presharedkey":
                    // An all-zero preshared key is what wg means by "none".
                    if (Once(peer.Seen, "PresharedKey", number) && VpnConfigurationValues.TryParseKey("PresharedKey", value, out var presharedKey, out error))
                        peer.PresharedKey = presharedKey.IsZero ? null : presharedKey;
                    break;
                case "allowedips":
                    foreach (var item in VpnConfigurationValues.SplitList(value))
                    {
                        if (!VpnConfigurationValues.TryParsePrefix(item, out var prefix, out var hostBitsSet, out error))
                            break;
                        if (hostBitsSet)
                            Warn(number, $"AllowedIPs {item} has host bits set; it means {prefix}, as with wg");
                        if (!peer.AllowedIps.Any(p => p.Prefix == prefix))
                            peer.AllowedIps.Add((prefix, number));
                    }
                    break;
                case "endpoint":
                    if (Once(peer.Seen, "Endpoint", number) && VpnEndpoint.TryParse(value, out var endpoint, out error))
                        peer.Endpoint = endpoint;
                    else if (error is not null)
                        error = $"Endpoint: {error}";
                    break;
                case "persistentkeepalive":
                    if (Once(peer.Seen, "PersistentKeepalive", number) && VpnConfigurationValues.TryParseKeepalive(value, out var keepalive, out error))
                        peer.PersistentKeepalive = keepalive;
                    break;
                default:
                    error = UnknownKey(key, "[Peer]", "PublicKey, PresharedKey, AllowedIPs, Endpoint, PersistentKeepalive");
                    break;
            }
            if (error is not null)
                Error(number, error);
        }

        /// <summary>True the first time <paramref name="key"/> is seen in a section; reports a repeat as an error.</summary>
        private bool Once(Dictionary<string, int> seen, string key, int number)
        {
            if (seen.TryAdd(key, number))
                return true;
            Error(number, $"{key} is given twice in this section (first on line {seen[key]})");
            return false;
        }

        private static void AddHook(List<string> hooks, string command)
        {
            if (command.Length > 0)
                hooks.Add(command);
        }

        private static string UnknownKey(string key, string section, string known) =>
            key.Length == 0 ? $"a line in {section} starts with '=': the key is missing" : $"unknown key '{key}' in {section} (known keys: {known})";

        private void Error(int line, string message) => _errors.Add(new VpnConfigurationIssue(source, line, message));

        private void Warn(int line, string message) => _warnings.Add(new VpnConfigurationIssue(source, line, message));
    }

    private sealed class InterfaceBuilder(int line)
    {
        public int Line { get; } = line;
        public Dictionary<string, int> Seen { get; } = [];
        public WireGuardKey? PrivateKey { get; set; }
        public List<InterfaceAddress> Addresses { get; } = [];
        public int? ListenPort { get; set; }
        public List<IPAddress> DnsServers { get; } = [];
        public List<string> DnsSearchDomains { get; } = [];
        public int? Mtu { get; set; }
        public int MtuLine { get; set; }
        public VpnRouteTable Table { get; set; } = VpnRouteTable.Auto;
        public uint? FirewallMark { get; set; }
        public List<string> PreUp { get; } = [];
        public List<string> PostUp { get; } = [];
        public List<string> PreDown { get; } = [];
        public List<string> PostDown { get; } = [];
        public bool SaveConfig { get; set; }
        public string? Masquerade { get; set; }
        public VpnTransport Transport { get; set; }

        public VpnInterfaceSettings Build() => new()
        {
            PrivateKey = PrivateKey!,
            Addresses = Addresses,
            ListenPort = ListenPort,
            DnsServers = DnsServers,
            DnsSearchDomains = DnsSearchDomains,
            Mtu = Mtu,
            Table = Table,
            FirewallMark = FirewallMark,
            PreUp = PreUp,
            PostUp = PostUp,
            PreDown = PreDown,
            PostDown = PostDown,
            SaveConfig = SaveConfig,
            Masquerade = Masquerade,
            Transport = Transport,
            Line = Line,
        };
    }

    private sealed class PeerBuilder(int line)
    {
        public int Line { get; } = line;
        public Dictionary<string, int> Seen { get; } = [];
        public WireGuardKey? PublicKey { get; set; }
        public int PublicKeyLine { get; set; }
        public WireGuardKey? PresharedKey { get; set; }
        public List<(IPNetwork Prefix, int Line)> AllowedIps { get; } = [];
        public VpnEndpoint? Endpoint { get; set; }
        public int? PersistentKeepalive { get; set; }

        public VpnPeerSettings Build() => new()
        {
            PublicKey = PublicKey!,
            PresharedKey = PresharedKey,
            AllowedIps = [.. AllowedIps.Select(a => a.Prefix)],
            Endpoint = Endpoint,
            PersistentKeepalive = PersistentKeepalive,
            Line = Line,
        };
    }
}
