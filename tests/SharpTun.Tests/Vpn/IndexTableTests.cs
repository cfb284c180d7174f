using SharpTun.Vpn;
using SharpTun.Vpn.Transport;

namespace SharpTun.Tests.Vpn;

public sealed class IndexTableTests
{
    [Fact]
    public void Indices_AreRandomNonZeroAndUnique_AndFollowTheSessionLifecycle()
    {
        using var pair = new DevicePair();
        var peer = pair.PeerAtA;
        var table = new IndexTable();
        var indices = Enumerable.Range(0, 10_000).Select(_ => table.NewHandshakeIndex(peer)).ToList();
        Assert.Equal(indices.Count, indices.Distinct().Count());
        Assert.DoesNotContain(0u, indices);
        // Random, not counting: neighbours differ by far more than one on average.
        Assert.True(indices.Zip(indices.Skip(1)).Average(p => Math.Abs((double)p.First - p.Second)) > 1e8);

        var index = indices[0];
        Assert.True(table.TryGet(index, out var entry));
        Assert.Same(peer, entry.Peer);
        Assert.Null(entry.Keypair);
        using var keypair = new Keypair(new byte[32], new byte[32], true, index, 7, TimeSpan.Zero);
        table.SetKeypair(index, keypair, peer);
        Assert.True(table.TryGet(index, out entry));
        Assert.Same(keypair, entry.Keypair);
        table.Remove(index);
        Assert.False(table.TryGet(index, out _));
    }
}
