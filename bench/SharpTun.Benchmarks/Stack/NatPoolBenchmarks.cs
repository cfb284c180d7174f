using System.Net;
using BenchmarkDotNet.Attributes;
using SharpTun.Stack.Nat;

namespace SharpTun.Benchmarks.Stack;

/// <summary>
/// <see cref="NatPool"/> churn: with <see cref="InUse"/> endpoints already handed out (a /15 TUN
/// subnet, default ports), allocate one and release it again, as short flows come and go.
/// <c>Contended</c> does the same on both cores at once through the pool's one lock; its time is per
/// pair, its allocation is <c>Parallel.Invoke</c>'s, spread over 100,000 pairs.
/// </summary>
[ShortRunJob]
[MemoryDiagnoser]
public class NatPoolBenchmarks
{
    private const int PairsPerThread = 50_000;

    private NatPool _pool = null!;

    /// <summary>Endpoints in use while measuring.</summary>
    [Params(1_000, 1_000_000)]
    public int InUse { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _pool = new NatPool(IPNetwork.Parse("198.18.0.0/15"), IPAddress.Parse("198.18.0.1"));
        for (int i = 0; i < InUse; i++)
            _pool.TryAllocate(out _);
    }

    [Benchmark(Baseline = true)]
    public bool AllocateAndRelease() => _pool.TryAllocate(out var endpoint) && _pool.Release(endpoint);

    [Benchmark(OperationsPerInvoke = 2 * PairsPerThread)]
    public void Contended() => Parallel.Invoke(Churn, Churn);

    private void Churn()
    {
        for (int i = 0; i < PairsPerThread; i++)
        {
            if (_pool.TryAllocate(out var endpoint))
                _pool.Release(endpoint);
        }
    }
}
