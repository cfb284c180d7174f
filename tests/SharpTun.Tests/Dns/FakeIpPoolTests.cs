using System.Net;
using SharpTun.Dns;
using SharpTun.Stack.Nat;
using SharpTun.TestSupport;

namespace SharpTun.Tests.Dns;

public sealed class FakeIpPoolTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("sharptun-fakeip-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    /// <summary>A /29: 8 addresses, of which the network (.0), broadcast (.7) and the reserved .1 are never handed out.</summary>
    private static FakeIpPool SmallPool() =>
        new(IPNetwork.Parse("198.18.0.0/29"), IPNetwork.Parse("fc00::/125"), [IPAddress.Parse("198.18.0.1")]);

    private static string V4(FakeIpPool pool, string domain)
    {
        Assert.True(pool.TryGetOrAllocate(domain, ipv6: false, out var address), $"no address for {domain}");
        return address.ToIPAddress().ToString();
    }

    [Fact]
    public void TryGetOrAllocate_SameDomainAnySpelling_SameAddress_OtherDomainsOthers()
    {
        var pool = new FakeIpPool(FakeIpPool.DefaultIPv4Range, FakeIpPool.DefaultIPv6Range);
        var first = V4(pool, "example.com");

        Assert.Equal(first, V4(pool, "EXAMPLE.com."));
        Assert.NotEqual(first, V4(pool, "example.org"));
        Assert.True(pool.TryGetOrAllocate("example.com", ipv6: true, out var v6));
        Assert.True(v6.IsIPv6);
        Assert.True(FakeIpPool.DefaultIPv6Range.Contains(v6.ToIPAddress()));
        Assert.Equal(3, pool.Count);
    }

    [Fact]
    public void Additions_CountNewAndRecycledAddressesNotHits()
    {
        var pool = SmallPool(); // 5 usable IPv4 addresses
        for (var i = 0; i < 5; i++)
            V4(pool, $"n{i}.example");
        V4(pool, "n0.example");
        Assert.Equal(5, pool.Additions);

        V4(pool, "n5.example"); // recycles the least recently used (n1)
        Assert.Equal(6, pool.Additions);
        Assert.Equal(5, pool.Count);
    }

    [Fact]
    public void TryGetOrAllocate_SkipsNetworkBroadcastAndReserved()
    {
        var pool = SmallPool();
        var addresses = Enumerable.Range(0, 5).Select(i => V4(pool, $"d{i}.test")).ToList();

        Assert.Equal(["198.18.0.2", "198.18.0.3", "198.18.0.4", "198.18.0.5", "198.18.0.6"], addresses);
        Assert.Equal(5, pool.IPv4Capacity);
    }

    [Theory]
    [InlineData("")]
    [InlineData(".")]
    [InlineData("has space.test")]
    [InlineData("tab\t.test")]
    public void TryGetOrAllocate_InvalidName_False(string domain)
    {
        Assert.False(SmallPool().TryGetOrAllocate(domain, ipv6: false, out _));
    }

    [Fact]
    public void TryGetOrAllocate_NameOf254Characters_False()
    {
        Assert.False(SmallPool().TryGetOrAllocate(new string('a', 254), ipv6: false, out _));
    }

    [Fact]
    public void TryGetDomain_ReverseLookup_AndNoneForAnUnusedAddress()
    {
        var pool = SmallPool();
        Assert.True(pool.TryGetOrAllocate("www.example.com", ipv6: false, out var address));

        Assert.True(pool.TryGetDomain(address, out var domain));
        Assert.Equal("www.example.com", domain);
        Assert.False(pool.TryGetDomain(NatEndpoint.FromIPAddress(IPAddress.Parse("198.18.0.6"), 0), out _));
        Assert.True(pool.IsFake(NatEndpoint.FromIPAddress(IPAddress.Parse("198.18.0.6"), 0)));
        Assert.False(pool.IsFake(NatEndpoint.FromIPAddress(IPAddress.Parse("198.19.0.6"), 0)));
    }

    [Fact]
    public void RangeFull_LeastRecentlyUsedDomainGivesUpItsAddress()
    {
        var pool = SmallPool();
        var a = V4(pool, "a.test");
        var b = V4(pool, "b.test");
        foreach (var name in new[] { "c.test", "d.test", "e.test" })
            V4(pool, name);
        V4(pool, "a.test"); // used again: b is now the least recently used

        Assert.Equal(b, V4(pool, "f.test"));
        Assert.Equal(a, V4(pool, "a.test"));
        Assert.True(pool.TryGetDomain(NatEndpoint.FromIPAddress(IPAddress.Parse(b), 0), out var holder));
        Assert.Equal("f.test", holder);
        Assert.Equal(5, pool.Count);
    }

    [Fact]
    public void PinnedDomains_KeepTheirAddresses_UntilUnpinned()
    {
        var pool = SmallPool();
        var held = Enumerable.Range(0, 5).Select(i => V4(pool, $"d{i}.test")).ToList();
        foreach (var address in held)
            Assert.True(pool.Pin(NatEndpoint.FromIPAddress(IPAddress.Parse(address), 0)));

        Assert.False(pool.TryGetOrAllocate("new.test", ipv6: false, out _)); // every address is in use: no overwrite

        var released = NatEndpoint.FromIPAddress(IPAddress.Parse(held[3]), 0);
        pool.Pin(released);   // two flows to d3
        pool.Unpin(released);
        Assert.False(pool.TryGetOrAllocate("new.test", ipv6: false, out _)); // one flow still holds it
        pool.Unpin(released);
        Assert.Equal(held[3], V4(pool, "new.test"));
        Assert.True(pool.TryGetDomain(released, out var holder));
        Assert.Equal("new.test", holder);
    }

    [Fact]
    public void SaveAndLoad_RestoresMappingsAndTheirRecencyOrder()
    {
        var path = Path.Combine(_directory, "fakeip.txt");
        var pool = SmallPool();
        var addresses = new Dictionary<string, string>();
        foreach (var name in new[] { "a.test", "b.test", "c.test", "d.test", "e.test" })
            addresses[name] = V4(pool, name);
        V4(pool, "a.test"); // b is the least recently used
        Assert.True(pool.TryGetOrAllocate("a.test", ipv6: true, out var a6));
        pool.Save(path);

        var restarted = SmallPool();
        Assert.Equal((6, 0), restarted.Load(path));

        foreach (var (name, address) in addresses)
            Assert.Equal(address, V4(restarted, name));
        Assert.True(restarted.TryGetOrAllocate("a.test", ipv6: true, out var again6));
        Assert.Equal(a6, again6);
    }

    [Fact]
    public void Load_KeepsTheLeastRecentlyUsedOrder()
    {
        var path = Path.Combine(_directory, "fakeip.txt");
        var pool = SmallPool();
        var addresses = new Dictionary<string, string>();
        foreach (var name in new[] { "a.test", "b.test", "c.test", "d.test", "e.test" })
            addresses[name] = V4(pool, name);
        V4(pool, "a.test");
        V4(pool, "b.test"); // c is now the least recently used
        pool.Save(path);

        var restarted = SmallPool();
        restarted.Load(path);

        Assert.Equal(addresses["c.test"], V4(restarted, "f.test"));
        Assert.Equal(addresses["d.test"], V4(restarted, "g.test"));
    }

    [Fact]
    public void Load_SkipsMalformedOutOfRangeAndConflictingLines_MissingFileIsEmpty()
    {
        var path = Path.Combine(_directory, "fakeip.txt");
        File.WriteAllLines(path,
        [
            "# a comment",
            "198.18.0.2 good.test",
            "198.18.0.3",               // no domain
            "not-an-address x.test",
            "10.0.0.1 outside.test",    // the range changed since it was written
            "198.18.0.1 reserved.test",
            "198.18.0.2 other.test",    // the address is taken
            "198.18.0.4 GOOD.test",     // the domain is taken
            "",
        ]);
        var pool = SmallPool();

        Assert.Equal((1, 6), pool.Load(path));
        Assert.Equal("198.18.0.2", V4(pool, "good.test"));
        Assert.Equal((0, 0), SmallPool().Load(Path.Combine(_directory, "missing.txt")));
    }

    [Fact]
    public void RandomOperations_AddressesStayOneToOne_PinnedNeverMove()
    {
        for (var seed = 0; seed < 20; seed++)
        {
            var random = new Random(seed);
            var pool = SmallPool();
            var pinned = new Dictionary<string, int>();
            var pinnedAddress = new Dictionary<string, NatEndpoint>();
            for (var step = 0; step < 2_000; step++)
            {
                var name = $"n{random.Next(12)}.test";
                switch (random.Next(3))
                {
                    case 0:
                        if (pool.TryGetOrAllocate(name, ipv6: false, out var address) && pinnedAddress.TryGetValue(name, out var held))
                            Assert.Equal(held, address);
                        break;
                    case 1:
                        if (pool.TryGetOrAllocate(name, ipv6: false, out var toPin) && pool.Pin(toPin))
                        {
                            pinned[name] = pinned.GetValueOrDefault(name) + 1;
                            pinnedAddress[name] = toPin;
                        }
                        break;
                    default:
                        if (pinned.TryGetValue(name, out var count))
                        {
                            pool.Unpin(pinnedAddress[name]);
                            if (count == 1)
                            {
                                pinned.Remove(name);
                                pinnedAddress.Remove(name);
                            }
                            else
                            {
                                pinned[name] = count - 1;
                            }
                        }
                        break;
                }
                foreach (var (domain, endpoint) in pinnedAddress)
                {
                    Assert.True(pool.TryGetDomain(endpoint, out var holder), $"seed {seed} step {step}: pinned {domain} lost its address");
                    Assert.Equal(domain, holder);
                }
                Assert.True(pool.Count <= 5);
            }
        }
    }

    [Fact]
    public void TryGetOrAllocate_KnownDomain_AllocatesNothing()
    {
        var pool = new FakeIpPool(FakeIpPool.DefaultIPv4Range, FakeIpPool.DefaultIPv6Range);
        pool.TryGetOrAllocate("cdn.example.com", ipv6: false, out _);
        var name = "cdn.example.com".ToCharArray();

        var bytes = Allocations.FewestBytes(() =>
        {
            for (var i = 0; i < 1_000; i++)
                pool.TryGetOrAllocate(name, ipv6: false, out _);
        });

        Assert.Equal(0, bytes);
    }
}
