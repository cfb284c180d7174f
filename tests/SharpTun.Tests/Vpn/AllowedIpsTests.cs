using System.Net;
using SharpTun.Vpn.Routing;

namespace SharpTun.Tests.Vpn;

public sealed class AllowedIpsTests
{
    [Fact]
    public void Lookup_LongestPrefixWins()
    {
        var trie = new AllowedIps<string>();
        trie.Insert(IPNetwork.Parse("0.0.0.0/0"), "default");
        trie.Insert(IPNetwork.Parse("10.0.0.0/8"), "ten");
        trie.Insert(IPNetwork.Parse("10.1.0.0/16"), "ten-one");
        trie.Insert(IPNetwork.Parse("10.1.2.3/32"), "host");
        trie.Insert(IPNetwork.Parse("::/0"), "default6");
        trie.Insert(IPNetwork.Parse("fd00::/64"), "ula");

        Assert.Equal("host", trie.Lookup(IPAddress.Parse("10.1.2.3")));
        Assert.Equal("ten-one", trie.Lookup(IPAddress.Parse("10.1.2.4")));
        Assert.Equal("ten", trie.Lookup(IPAddress.Parse("10.2.0.1")));
        Assert.Equal("default", trie.Lookup(IPAddress.Parse("192.168.1.1")));
        Assert.Equal("ula", trie.Lookup(IPAddress.Parse("fd00::5")));
        Assert.Equal("default6", trie.Lookup(IPAddress.Parse("fd00:0:0:1::5")));
        Assert.Equal("host", trie.Lookup(IPAddress.Parse("::ffff:10.1.2.3")));
    }

    [Fact]
    public void Lookup_NoMatch_OrBadLength_ReturnsNull()
    {
        var trie = new AllowedIps<string>();
        trie.Insert(IPNetwork.Parse("10.0.0.0/8"), "ten");
        Assert.Null(trie.Lookup(IPAddress.Parse("11.0.0.1")));
        Assert.Null(trie.Lookup(IPAddress.Parse("::1")));
        Assert.Null(trie.Lookup(new byte[5]));
        Assert.Null(trie.Lookup([]));
    }

    [Fact]
    public void Insert_SamePrefixAgain_MovesItToTheNewOwner_AndRemoveAllClearsOnlyThatOwner()
    {
        var trie = new AllowedIps<string>();
        trie.Insert(IPNetwork.Parse("10.0.0.0/24"), "a");
        trie.Insert(IPNetwork.Parse("10.0.1.0/24"), "a");
        trie.Insert(IPNetwork.Parse("10.0.0.0/24"), "b");
        Assert.Equal("b", trie.Lookup(IPAddress.Parse("10.0.0.1")));
        Assert.Equal(["10.0.1.0/24"], trie.PrefixesOf("a").Select(p => p.ToString()));
        trie.RemoveAll("a");
        Assert.Null(trie.Lookup(IPAddress.Parse("10.0.1.1")));
        Assert.Equal("b", trie.Lookup(IPAddress.Parse("10.0.0.1")));
        Assert.Equal(["10.0.0.0/24"], trie.PrefixesOf("b").Select(p => p.ToString()));
    }

    [Theory]
    [InlineData(4)]
    [InlineData(16)]
    public void Lookup_MatchesSlowReference_OnRandomPrefixes(int addressLength)
    {
        var random = new Random(addressLength);
        var trie = new AllowedIps<string>();
        var reference = new Dictionary<(UInt128 Prefix, int Length), string>();
        var bits = addressLength * 8;
        // Owners are compared by reference, as peers are.
        var owners = Enumerable.Range(0, 20).Select(i => $"peer{i}").ToArray();
        for (var i = 0; i < 2000; i++)
        {
            var length = random.Next(0, bits + 1);
            // Few short prefixes and a narrow address space, so that prefixes nest and overlap.
            var address = RandomAddress(random, addressLength);
            var network = new IPNetwork(Mask(address, length), length);
            var owner = owners[random.Next(owners.Length)];
            trie.Insert(network, owner);
            reference[(ToNumber(network.BaseAddress.GetAddressBytes()), length)] = owner;
            if (i % 100 == 99)
            {
                var removed = owners[random.Next(owners.Length)];
                trie.RemoveAll(removed);
                foreach (var key in reference.Where(e => e.Value == removed).Select(e => e.Key).ToList())
                    reference.Remove(key);
            }
        }
        for (var i = 0; i < 5000; i++)
        {
            var address = RandomAddress(random, addressLength);
            var number = ToNumber(address.GetAddressBytes());
            string? expected = null;
            var best = -1;
            foreach (var ((prefix, length), owner) in reference)
            {
                if (length > best && Matches(number, prefix, length, bits))
                {
                    best = length;
                    expected = owner;
                }
            }
            Assert.Equal(expected, trie.Lookup(address));
        }
    }

    private static IPAddress RandomAddress(Random random, int length)
    {
        var bytes = new byte[length];
        random.NextBytes(bytes);
        bytes[0] = (byte)(10 + (bytes[0] & 1));
        bytes[1] &= 3;
        return new IPAddress(bytes);
    }

    private static IPAddress Mask(IPAddress address, int length)
    {
        var bytes = address.GetAddressBytes();
        for (var bit = length; bit < bytes.Length * 8; bit++)
            bytes[bit / 8] &= (byte)~(0x80 >> (bit % 8));
        return new IPAddress(bytes);
    }

    private static UInt128 ToNumber(byte[] bytes)
    {
        UInt128 value = 0;
        foreach (var b in bytes)
            value = (value << 8) | b;
        return value;
    }

    private static bool Matches(UInt128 address, UInt128 prefix, int length, int bits) =>
        length == 0 || (address >> (bits - length)) == (prefix >> (bits - length));
}
