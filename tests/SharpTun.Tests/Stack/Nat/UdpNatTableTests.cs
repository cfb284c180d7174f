using SharpTun.Stack.Nat;
using SharpTun.TestSupport;

namespace SharpTun.Tests.Stack.Nat;

public sealed class UdpNatTableTests
{
    private static readonly NatEndpoint A = NatPackets.Endpoint("198.18.0.1", 40000);
    private static readonly NatEndpoint B = NatPackets.Endpoint("198.18.0.1", 40001);
    private static readonly NatEndpoint C = NatPackets.Endpoint("fd00:7::1", 40000);

    private sealed class Association(NatEndpoint source) : IDisposable
    {
        public NatEndpoint Source { get; } = source;

        public bool Disposed { get; private set; }

        public void Dispose() => Disposed = true;
    }

    private readonly ManualTimeProvider _time = new();
    private int _factoryCalls;

    private UdpNatTable<Association> Table(int maximumEntries = 16) =>
        new(source => { _factoryCalls++; return new Association(source); }, new UdpNatOptions { MaximumEntries = maximumEntries }, _time);

    [Fact]
    public void GetOrAdd_SameSource_ReturnsOneAssociation()
    {
        var table = Table();
        var first = table.GetOrAdd(A);
        Assert.Same(first, table.GetOrAdd(A));
        Assert.Equal(A, first.Source);
        Assert.Equal(1, _factoryCalls);
        Assert.Equal(1, table.Created);
        Assert.NotSame(first, table.GetOrAdd(B));
        Assert.Equal(2, table.Count);
    }

    [Fact]
    public void GetOrAdd_Full_EvictsLeastRecentlyUsedAndDisposesIt()
    {
        var table = Table(maximumEntries: 2);
        var a = table.GetOrAdd(A);
        var b = table.GetOrAdd(B);
        Assert.True(table.TryGet(A, out _)); // A is now the most recently used
        var c = table.GetOrAdd(C);

        Assert.True(b.Disposed);
        Assert.False(a.Disposed);
        Assert.False(c.Disposed);
        Assert.Equal(1, table.Evicted);
        Assert.Equal(2, table.Count);
        Assert.False(table.TryGet(B, out _));
        Assert.True(table.TryGet(A, out _));
    }

    [Fact]
    public void ExpireIdle_OnlyIdleMappings_RemovedAndDisposed()
    {
        var table = Table();
        var a = table.GetOrAdd(A);
        _time.Advance(TimeSpan.FromMinutes(3));
        var b = table.GetOrAdd(B);
        _time.Advance(TimeSpan.FromMinutes(2));

        Assert.Equal(1, table.ExpireIdle());
        Assert.True(a.Disposed);
        Assert.False(b.Disposed);
        Assert.Equal(1, table.Expired);
        Assert.Equal(0, table.Evicted);
        Assert.False(table.TryGet(A, out _));
    }

    [Fact]
    public void Refresh_ReplyTraffic_KeepsMappingAlive()
    {
        var table = Table();
        var a = table.GetOrAdd(A);
        _time.Advance(TimeSpan.FromMinutes(4));
        Assert.True(table.Refresh(A));
        _time.Advance(TimeSpan.FromMinutes(4));
        Assert.Equal(0, table.ExpireIdle());
        Assert.False(a.Disposed);
        Assert.False(table.Refresh(B));
    }

    [Fact]
    public void Remove_Existing_DisposesAndForgets()
    {
        var table = Table();
        var a = table.GetOrAdd(A);
        Assert.True(table.Remove(A));
        Assert.True(a.Disposed);
        Assert.False(table.Remove(A));
        Assert.Equal(0, table.Count);
        Assert.NotSame(a, table.GetOrAdd(A));
    }

    [Fact]
    public void Dispose_WithMappings_DisposesEveryAssociation()
    {
        var table = Table();
        var associations = new[] { table.GetOrAdd(A), table.GetOrAdd(B), table.GetOrAdd(C) };
        table.Dispose();
        Assert.All(associations, association => Assert.True(association.Disposed));
        Assert.Equal(0, table.Count);
    }

    [Fact]
    public void GetOrAdd_RacingThreads_KeepOneAssociationAndDisposeTheLoser()
    {
        var made = new System.Collections.Concurrent.ConcurrentBag<Association>();
        using var table = new UdpNatTable<Association>(source => { var association = new Association(source); made.Add(association); return association; });
        var winners = new Association[2][];
        Parallel.For(0, 2, thread =>
        {
            winners[thread] = new Association[500];
            for (int i = 0; i < 500; i++)
                winners[thread][i] = table.GetOrAdd(NatEndpoint.V4(0xC6120001, (ushort)(1000 + i)));
        });
        Assert.Equal(500, table.Count);
        Assert.Equal(500, table.Created);
        for (int i = 0; i < 500; i++)
            Assert.Same(winners[0][i], winners[1][i]);
        Assert.Equal(500, made.Count(association => !association.Disposed));
    }

    [Fact]
    public void EndCallback_EveryWayOut_ToldItsReason()
    {
        var ended = new List<(NatEndpoint Source, UdpMappingEnd Reason)>();
        var table = new UdpNatTable<Association>(source => new Association(source), new UdpNatOptions { MaximumEntries = 2 }, _time,
            (association, reason) => { ended.Add((association.Source, reason)); association.Dispose(); });
        var a = table.GetOrAdd(A);
        table.GetOrAdd(B);
        table.GetOrAdd(C); // full: A, the least recently used, goes
        Assert.True(table.Remove(B));
        _time.Advance(TimeSpan.FromMinutes(5));
        Assert.Equal(1, table.ExpireIdle()); // C
        table.GetOrAdd(A);
        table.Dispose();

        (NatEndpoint, UdpMappingEnd)[] expected = [(A, UdpMappingEnd.Evicted), (B, UdpMappingEnd.Removed), (C, UdpMappingEnd.IdleTimeout), (A, UdpMappingEnd.Shutdown)];
        Assert.Equal(expected, ended);
        Assert.True(a.Disposed);
    }

    [Fact]
    public void EndCallback_RaceLoser_OnlyDisposedNeverEnded()
    {
        var made = new System.Collections.Concurrent.ConcurrentBag<Association>();
        var ended = 0;
        var table = new UdpNatTable<Association>(source => { var association = new Association(source); made.Add(association); return association; },
            end: (association, _) => { Interlocked.Increment(ref ended); association.Dispose(); });
        Parallel.For(0, 2, _ =>
        {
            for (int i = 0; i < 500; i++)
                table.GetOrAdd(NatEndpoint.V4(0xC6120001, (ushort)(1000 + i)));
        });
        Assert.Equal(0, ended); // whatever lost a race was disposed without a reason
        table.Dispose();
        Assert.Equal(500, ended);
        Assert.All(made, association => Assert.True(association.Disposed));
    }

    [Fact]
    public void TryGet_Existing_AllocatesNothing()
    {
        var table = Table();
        table.GetOrAdd(A);
        for (int i = 0; i < 100; i++)
            table.TryGet(A, out _);
        Assert.Equal(0, Allocations.FewestBytes(() =>
        {
            for (int i = 0; i < 10_000; i++)
                table.GetOrAdd(A);
        }));
    }
}
