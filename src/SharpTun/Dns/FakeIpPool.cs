using System.Net;
using System.Text;
using SharpTun.Stack.Nat;

namespace SharpTun.Dns;

/// <summary>
/// The table behind fake-IP DNS: every domain asked for gets an address from an IPv4 and an IPv6
/// range, stable while in use, so that a connection to that address tells the proxy which domain
/// the application meant (<see cref="TryGetDomain"/>, for rules and for outbounds that send the
/// name). Addresses of domains that no flow holds are recycled least recently used first. The
/// table can be saved to a file and read back at the next start, so that applications still
/// holding fake addresses keep working across a restart. Thread-safe.
/// </summary>
/// <remarks>
/// The ranges must not overlap the TUN subnet the TCP NAT draws its virtual endpoints from.
/// Domains are compared as lowercase ASCII without the trailing dot (RFC 4343: DNS names are
/// case-insensitive); other spellings are normalised on the way in.
/// </remarks>
public sealed class FakeIpPool
{
    /// <summary>198.18.0.0/16: half of the benchmarking block (RFC 2544), which no real host uses; <c>sharptun exec</c>'s TUN subnet is the other half.</summary>
    public static readonly IPNetwork DefaultIPv4Range = IPNetwork.Parse("198.18.0.0/16");

    /// <summary>fc00::/18: unique-local space (RFC 4193) outside the fd00::/8 half that sites assign.</summary>
    public static readonly IPNetwork DefaultIPv6Range = IPNetwork.Parse("fc00::/18");

    private const string FileHeader = "# sharptun fake-ip table v1: ADDRESS DOMAIN, least recently used first";

    private readonly Lock _lock = new();
    private readonly FakeIpRange _v4, _v6;

    /// <param name="ipv4Range">The IPv4 range, e.g. <see cref="DefaultIPv4Range"/>.</param>
    /// <param name="ipv6Range">The IPv6 range, e.g. <see cref="DefaultIPv6Range"/>.</param>
    /// <param name="reserved">Addresses never handed out (the TUN's own, the DNS server's).</param>
    /// <exception cref="ArgumentException">A range of the wrong family, or one with no usable address.</exception>
    public FakeIpPool(IPNetwork ipv4Range, IPNetwork ipv6Range, IEnumerable<IPAddress>? reserved = null)
    {
        var kept = reserved?.ToArray() ?? [];
        if (ipv4Range.BaseAddress.AddressFamily != System.Net.Sockets.AddressFamily.InterNetwork)
            throw new ArgumentException($"{ipv4Range} is not an IPv4 range", nameof(ipv4Range));
        if (ipv6Range.BaseAddress.AddressFamily != System.Net.Sockets.AddressFamily.InterNetworkV6)
            throw new ArgumentException($"{ipv6Range} is not an IPv6 range", nameof(ipv6Range));
        _v4 = new FakeIpRange(ipv4Range, kept);
        _v6 = new FakeIpRange(ipv6Range, kept);
    }

    /// <summary>Domains holding an address, both families together.</summary>
    public int Count
    {
        get
        {
            lock (_lock)
                return _v4.Count + _v6.Count;
        }
    }

    /// <summary>How many domains can hold an IPv4 address at once.</summary>
    public long IPv4Capacity => _v4.Capacity;

    /// <summary>
    /// The fake address of <paramref name="domain"/> in one family, handing one out if it has none.
    /// False when every address of the family is held by a domain that a flow pins, or the name is
    /// empty or longer than a DNS name can be. Allocates only for a domain new to the table.
    /// </summary>
    public bool TryGetOrAllocate(ReadOnlySpan<char> domain, bool ipv6, out NatEndpoint address)
    {
        Span<char> normalised = stackalloc char[255];
        if (!TryNormalise(domain, normalised, out var length))
        {
            address = default;
            return false;
        }
        UInt128 number;
        bool found;
        lock (_lock)
            found = Range(ipv6).TryGetOrAllocate(normalised[..length], out number);
        address = new NatEndpoint(number, 0, ipv6);
        return found;
    }

    /// <summary>Whether <paramref name="address"/> lies in a fake range (whether or not a domain holds it now).</summary>
    public bool IsFake(NatEndpoint address) => Range(address.IsIPv6).Contains(address.Address);

    /// <summary>The domain that holds <paramref name="address"/>; false for an address no domain holds.</summary>
    public bool TryGetDomain(NatEndpoint address, out string domain)
    {
        lock (_lock)
            return Range(address.IsIPv6).TryGetDomain(address.Address, out domain);
    }

    /// <summary>A flow to <paramref name="address"/> started: its domain keeps it until the flow ends (<see cref="Unpin"/>). False when no domain holds it.</summary>
    public bool Pin(NatEndpoint address)
    {
        lock (_lock)
            return Range(address.IsIPv6).Pin(address.Address);
    }

    /// <summary>A flow to <paramref name="address"/> ended.</summary>
    public void Unpin(NatEndpoint address)
    {
        lock (_lock)
            Range(address.IsIPv6).Unpin(address.Address);
    }

    /// <summary>How many times a domain was given an address since the pool was made; a saver compares it to skip writing an unchanged table.</summary>
    public long Additions
    {
        get
        {
            lock (_lock)
                return _v4.Additions + _v6.Additions;
        }
    }

    /// <summary>
    /// Writes the table to <paramref name="path"/>: a new file beside it, flushed to disk, then
    /// renamed over the old one, so a crash leaves either the old table or the new one. Only the
    /// copy of the entries holds the lock (tens of milliseconds at a million names); formatting and
    /// writing happen outside it, so DNS answers do not wait for the disk.
    /// </summary>
    public void Save(string path)
    {
        List<(string Domain, UInt128 Address, bool IPv6)> entries;
        lock (_lock)
        {
            entries = new(_v4.Count + _v6.Count);
            foreach (var range in new[] { _v4, _v6 })
                foreach (var (domain, address) in range.Mappings())
                    entries.Add((domain, address, range.IsIPv6));
        }
        var temporary = path + ".tmp";
        using (var file = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 1))
        {
            using (var writer = new StreamWriter(file, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false), bufferSize: 1 << 16, leaveOpen: true))
            {
                writer.Write(FileHeader);
                writer.Write('\n');
                Span<char> text = stackalloc char[64];
                foreach (var (domain, address, ipv6) in entries)
                {
                    new NatEndpoint(address, 0, ipv6).ToIPAddress().TryFormat(text, out var written);
                    writer.Write(text[..written]);
                    writer.Write(' ');
                    writer.Write(domain);
                    writer.Write('\n');
                }
            }
            file.Flush(flushToDisk: true);
        }
        File.Move(temporary, path, overwrite: true);
    }

    /// <summary>
    /// Reads back a table written by <see cref="Save"/> (a missing file is an empty table). Lines
    /// that are malformed, outside the current ranges (they changed) or in conflict with a mapping
    /// already read are skipped and counted, for the caller to log.
    /// </summary>
    public (int Restored, int Skipped) Load(string path)
    {
        if (!File.Exists(path))
            return (0, 0);
        var restored = 0;
        var skipped = 0;
        Span<char> normalised = stackalloc char[255];
        foreach (var line in File.ReadLines(path))
        {
            if (line.Length == 0 || line[0] == '#')
                continue;
            var space = line.IndexOf(' ');
            if (space > 0 && IPAddress.TryParse(line.AsSpan(0, space), out var ip)
                && TryNormalise(line.AsSpan(space + 1), normalised, out var length))
            {
                var address = NatEndpoint.FromIPAddress(ip, 0);
                lock (_lock)
                {
                    if (Range(address.IsIPv6).Restore(new string(normalised[..length]), address.Address))
                    {
                        restored++;
                        continue;
                    }
                }
            }
            skipped++;
        }
        return (restored, skipped);
    }

    private FakeIpRange Range(bool ipv6) => ipv6 ? _v6 : _v4;

    /// <summary>Lowercases ASCII letters and drops one trailing dot; false for an empty name, one over 253 characters, or one with a space or control character.</summary>
    private static bool TryNormalise(ReadOnlySpan<char> domain, Span<char> output, out int length)
    {
        if (domain.EndsWith('.'))
            domain = domain[..^1];
        length = domain.Length;
        if (length is 0 or > 253) // RFC 1035 §2.3.4: 255 octets on the wire, 253 characters as text
            return false;
        for (var i = 0; i < domain.Length; i++)
        {
            var c = domain[i];
            if (c <= ' ' || c == '\u007f')
                return false;
            output[i] = char.IsAsciiLetterUpper(c) ? (char)(c | 0x20) : c;
        }
        return true;
    }
}
