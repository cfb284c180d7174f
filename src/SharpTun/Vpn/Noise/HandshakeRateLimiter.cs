using SharpTun.Vpn.Transport;

namespace SharpTun.Vpn.Noise;

/// <summary>
/// Per-source-address token bucket for handshake messages under load (as wireguard-go's
/// ratelimiter): 20 per second with a burst of 5; entries idle for a second are forgotten.
/// Thread-safe.
/// </summary>
internal sealed class HandshakeRateLimiter
{
    public const int PacketsPerSecond = 20;
    public const int Burst = 5;
    private static readonly TimeSpan PacketCost = TimeSpan.FromSeconds(1.0 / PacketsPerSecond);
    private static readonly TimeSpan MaxTokens = PacketCost * Burst;
    private static readonly TimeSpan ForgetAfter = TimeSpan.FromSeconds(1);

    private sealed class Bucket
    {
        public TimeSpan Tokens;
        public TimeSpan LastTime;
    }

    private readonly Lock _lock = new();
    private readonly Dictionary<UInt128, Bucket> _buckets = [];
    private TimeSpan _lastSweep;

    public int TrackedSources
    {
        get
        {
            lock (_lock)
                return _buckets.Count;
        }
    }

    public bool Allow(WireGuardEndpoint source, TimeSpan now)
    {
        lock (_lock)
        {
            if (now - _lastSweep > ForgetAfter)
                Sweep(now);
            if (!_buckets.TryGetValue(source.AddressKey, out var bucket))
            {
                _buckets[source.AddressKey] = new Bucket { Tokens = MaxTokens - PacketCost, LastTime = now };
                return true;
            }
            bucket.Tokens = TimeSpan.FromTicks(Math.Min((bucket.Tokens + (now - bucket.LastTime)).Ticks, MaxTokens.Ticks));
            bucket.LastTime = now;
            if (bucket.Tokens > PacketCost)
            {
                bucket.Tokens -= PacketCost;
                return true;
            }
            return false;
        }
    }

    private void Sweep(TimeSpan now)
    {
        _lastSweep = now;
        foreach (var (key, bucket) in _buckets)
        {
            if (now - bucket.LastTime > ForgetAfter)
                _buckets.Remove(key);
        }
    }
}
