using SharpTun.Stack.Nat;
using SharpTun.Stack.Proxy;
using SharpTun.TestSupport;

namespace SharpTun.Tests.Stack.Proxy;

public sealed class UdpDestinationsTests
{
    private static NatEndpoint Dns(int i) => NatEndpoint.V4(0x0a010200 + (uint)i, 53); // 10.1.2.i:53

    [Fact]
    public void ToString_NothingNoted_SaysSo()
    {
        var destinations = new UdpDestinations();
        Assert.Null(destinations.First);
        Assert.Equal("no destination", destinations.ToString());
    }

    [Fact]
    public void Note_OneDestinationRepeated_ShowsItAlone()
    {
        var destinations = new UdpDestinations();
        for (var i = 0; i < 3; i++)
            destinations.Note(Dns(3));
        Assert.Equal(Dns(3), destinations.First);
        Assert.Equal(0, destinations.Others);
        Assert.Equal("10.1.2.3:53", destinations.ToString());
    }

    [Fact]
    public void Note_OthersRepeated_CountsEachDistinctOtherOnce()
    {
        var destinations = new UdpDestinations();
        foreach (var i in (int[])[1, 2, 1, 2, 1, 3, 2])
            destinations.Note(Dns(i));
        Assert.Equal(Dns(1), destinations.First);
        Assert.Equal(2, destinations.Others);
        Assert.Equal("10.1.2.1:53 (+2 more destinations)", destinations.ToString());
    }

    [Fact]
    public void Note_OneOther_SingularWording()
    {
        var destinations = new UdpDestinations();
        destinations.Note(Dns(1));
        destinations.Note(NatEndpoint.V6(1, 53));
        Assert.Equal("10.1.2.1:53 (+1 more destination)", destinations.ToString());
    }

    [Fact]
    public void Note_BeyondTracked_StopsCountingAndSaysOrMore()
    {
        var destinations = new UdpDestinations();
        for (var i = 0; i <= UdpDestinations.Tracked; i++)
            destinations.Note(Dns(i));
        Assert.Equal(UdpDestinations.Tracked, destinations.Others);
        Assert.False(destinations.MoreThanTracked);
        Assert.Equal("10.1.2.0:53 (+8 more destinations)", destinations.ToString());

        for (var i = 0; i < 1000; i++)
            destinations.Note(Dns(100 + i % 100));
        Assert.Equal(UdpDestinations.Tracked, destinations.Others);
        Assert.True(destinations.MoreThanTracked);
        Assert.Equal("10.1.2.0:53 (+9 or more destinations)", destinations.ToString());
    }

    [Fact]
    public void Note_KnownDestinations_AllocatesNothing()
    {
        var destinations = new UdpDestinations();
        destinations.Note(Dns(1));
        destinations.Note(Dns(2)); // allocates the array of others, once
        Assert.Equal(0, Allocations.FewestBytes(() =>
        {
            for (var i = 0; i < 1000; i++)
            {
                destinations.Note(Dns(1)); // the first: no lock
                destinations.Note(Dns(2)); // another: lock and scan
            }
        }));
    }

    [Fact]
    public void Note_ConcurrentThreads_EveryDistinctDestinationCountedOnce()
    {
        var destinations = new UdpDestinations();
        destinations.Note(Dns(0));
        Parallel.For(0, 4, thread =>
        {
            for (var i = 0; i < 10_000; i++)
                destinations.Note(Dns(i % 6));
        });
        Assert.Equal(Dns(0), destinations.First);
        Assert.Equal(5, destinations.Others);
    }
}
