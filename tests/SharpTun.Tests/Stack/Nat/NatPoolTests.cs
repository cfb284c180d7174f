using System.Net;
using SharpTun.Stack.Nat;

namespace SharpTun.Tests.Stack.Nat;

public sealed class NatPoolTests
{
    private static NatPool Pool(string subnet, string listener, ushort firstPort = 1024, ushort lastPort = 65535, int maximumAddresses = 65_536) =>
        new(IPNetwork.Parse(subnet), IPAddress.Parse(listener), new NatPoolOptions { FirstPort = firstPort, LastPort = lastPort, MaximumAddresses = maximumAddresses });

    private static UInt128 Number(string address) => NatPackets.Endpoint(address, 0).Address;

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    public void TryAllocateAndRelease_SeededRandomSequence_MatchesReferenceModel(int seed)
    {
        var pool = Pool("10.9.0.0/28", "10.9.0.5", 2000, 2009);
        var valid = new HashSet<NatEndpoint>();
        for (int host = 1; host <= 14; host++)
            for (ushort port = 2000; port <= 2009; port++)
                if (host != 5)
                    valid.Add(NatEndpoint.V4(0x0A090000u + (uint)host, port));
        Assert.Equal(valid.Count, pool.Capacity);

        var random = new Random(seed);
        var allocated = new List<NatEndpoint>();
        var model = new HashSet<NatEndpoint>();
        for (int step = 0; step < 20_000; step++)
        {
            // Lean towards allocating so the pool fills up and empties repeatedly.
            bool allocate = allocated.Count == 0 || random.Next(100) < (step / 2000 % 2 == 0 ? 70 : 35);
            if (allocate)
            {
                bool ok = pool.TryAllocate(out var endpoint);
                Assert.Equal(model.Count < valid.Count, ok);
                if (!ok)
                    continue;
                Assert.Contains(endpoint, valid);
                Assert.True(model.Add(endpoint), $"{endpoint} handed out while still in use");
                allocated.Add(endpoint);
            }
            else
            {
                int index = random.Next(allocated.Count);
                var endpoint = allocated[index];
                allocated[index] = allocated[^1];
                allocated.RemoveAt(allocated.Count - 1);
                Assert.True(pool.Release(endpoint));
                model.Remove(endpoint);
            }
            Assert.Equal(model.Count, pool.InUse);
        }
    }

    [Fact]
    public void TryAllocate_Exhausted_ReturnsFalseThenRecoversAfterRelease()
    {
        var pool = Pool("10.9.0.0/30", "10.9.0.1", 5000, 5002);
        Assert.Equal(3, pool.Capacity);
        var taken = new List<NatEndpoint>();
        for (int i = 0; i < 3; i++)
        {
            Assert.True(pool.TryAllocate(out var endpoint));
            taken.Add(endpoint);
        }
        Assert.False(pool.TryAllocate(out _));
        Assert.False(pool.TryAllocate(out _));

        Assert.True(pool.Release(taken[1]));
        Assert.True(pool.TryAllocate(out var again));
        Assert.Equal(taken[1], again);
        Assert.False(pool.TryAllocate(out _));
    }

    [Fact]
    public void TryAllocate_WholeIpv4Pool_NeverHandsOutNetworkBroadcastOrListener()
    {
        var pool = Pool("10.9.0.0/29", "10.9.0.3", 40000, 40099);
        var addresses = new HashSet<UInt128>();
        var endpoints = new HashSet<NatEndpoint>();
        while (pool.TryAllocate(out var endpoint))
        {
            Assert.True(endpoints.Add(endpoint));
            addresses.Add(endpoint.Address);
        }
        Assert.Equal(5 * 100, endpoints.Count);
        Assert.Equal(new[] { "10.9.0.1", "10.9.0.2", "10.9.0.4", "10.9.0.5", "10.9.0.6" }.Select(Number).ToHashSet(), addresses);
    }

    [Fact]
    public void Constructor_Slash30_LeavesOneAddressBesideTheListener()
    {
        var pool = Pool("192.168.7.0/30", "192.168.7.1");
        Assert.Equal(1, pool.AddressCount);
        Assert.Equal(Number("192.168.7.2"), pool.AddressAt(0));
        Assert.Equal(64_512, pool.Capacity);
    }

    [Fact]
    public void Constructor_Slash31_UsesThePeerAddress()
    {
        // RFC 3021: a /31 has no network or broadcast address.
        var pool = Pool("192.168.7.0/31", "192.168.7.0", 1024, 1025);
        Assert.Equal(1, pool.AddressCount);
        Assert.True(pool.TryAllocate(out var first));
        Assert.True(pool.TryAllocate(out var second));
        Assert.False(pool.TryAllocate(out _));
        Assert.Equal(Number("192.168.7.1"), first.Address);
        Assert.Equal(Number("192.168.7.1"), second.Address);
    }

    [Fact]
    public void Constructor_Slash32_Throws()
    {
        var error = Assert.Throws<ArgumentException>(() => Pool("192.168.7.1/32", "192.168.7.1"));
        Assert.Contains("no address left", error.Message);
    }

    [Fact]
    public void Constructor_ListenerOutsideSubnet_Throws() =>
        Assert.Throws<ArgumentException>(() => Pool("10.9.0.0/24", "10.9.1.1"));

    [Fact]
    public void Constructor_Ipv6Slash64_CapsAddressesAndSkipsAnycastAndListener()
    {
        var pool = Pool("fd00:7::/64", "fd00:7::2", maximumAddresses: 1000);
        Assert.True(pool.IsIPv6);
        Assert.Equal(1000, pool.AddressCount);
        Assert.Equal(Number("fd00:7::1"), pool.AddressAt(0));
        Assert.Equal(Number("fd00:7::3"), pool.AddressAt(1));
        Assert.Equal(Number("fd00:7::3e9"), pool.AddressAt(999));
        Assert.True(pool.TryAllocate(out var endpoint));
        Assert.True(endpoint.IsIPv6);
        Assert.Equal(Number("fd00:7::1"), endpoint.Address);
        Assert.Equal(1024, endpoint.Port);
    }

    [Fact]
    public void TryAllocate_TinyIpv6Pool_ExhaustsAndNeverHandsOutReserved()
    {
        var pool = Pool("fd00:7::/126", "fd00:7::1", 7000, 7001);
        var endpoints = new HashSet<NatEndpoint>();
        while (pool.TryAllocate(out var endpoint))
            Assert.True(endpoints.Add(endpoint));
        Assert.Equal([Number("fd00:7::2")], endpoints.Select(e => e.Address).Distinct());
        Assert.Equal(2, endpoints.Count);
    }

    [Fact]
    public void Release_NotAllocatedOrForeign_ReturnsFalse()
    {
        var pool = Pool("10.9.0.0/24", "10.9.0.1");
        Assert.True(pool.TryAllocate(out var endpoint));
        Assert.False(pool.Release(endpoint with { Port = (ushort)(endpoint.Port + 1) }));
        Assert.False(pool.Release(NatEndpoint.V4(0x0A090001, endpoint.Port))); // the listener
        Assert.False(pool.Release(NatEndpoint.V4(0x0A0A0002, endpoint.Port))); // outside the subnet
        Assert.False(pool.Release(endpoint with { IsIPv6 = true }));
        Assert.True(pool.Release(endpoint));
        Assert.False(pool.Release(endpoint));
        Assert.Equal(0, pool.InUse);
    }

    [Fact]
    public void TryAllocate_AfterRelease_DoesNotReuseBeforeCursorWraps()
    {
        var pool = Pool("10.9.0.0/24", "10.9.0.1");
        Assert.True(pool.TryAllocate(out var first));
        Assert.True(pool.Release(first));
        Assert.True(pool.TryAllocate(out var second));
        Assert.NotEqual(first, second);
    }

    [Fact]
    public void TryAllocate_ConcurrentThreads_HandOutDistinctEndpoints()
    {
        var pool = Pool("10.9.0.0/28", "10.9.0.1", 3000, 3999);
        var results = new NatEndpoint[4][];
        Parallel.For(0, 4, thread =>
        {
            var mine = new NatEndpoint[2000];
            for (int i = 0; i < mine.Length; i++)
                Assert.True(pool.TryAllocate(out mine[i]));
            results[thread] = mine;
        });
        Assert.Equal(8000, results.SelectMany(r => r).Distinct().Count());
        Assert.Equal(8000, pool.InUse);
    }
}
