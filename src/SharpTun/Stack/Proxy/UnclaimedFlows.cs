using System.Collections.Concurrent;
using SharpTun.Proxy;

namespace SharpTun.Stack.Proxy;

/// <summary>
/// Admitted TCP flows whose outbound connection is open but whose app side the NAT listener has not
/// accepted yet. Normally a flow stays here for one handshake round trip inside the host; one whose
/// app gave up before completing its handshake is closed by <see cref="AbandonExpired"/>, which the
/// proxy's once-a-second expiry calls. A sweep instead of a timer per flow: at thousands of new
/// connections a second, per-flow timers kept every flow's objects alive for the whole timeout.
/// </summary>
public sealed class UnclaimedFlows(TimeSpan timeout, TimeProvider? timeProvider = null)
{
    private readonly ConcurrentDictionary<TcpFlow, long> _since = new();
    private readonly TimeProvider _time = timeProvider ?? TimeProvider.System;

    /// <summary>Flows waiting to be accepted.</summary>
    public int Count => _since.Count;

    public void Add(TcpFlow flow) => _since[flow] = _time.GetTimestamp();

    /// <summary>Takes the flow for its relay (see <see cref="TcpFlow.TryClaim"/>); false if it was abandoned already.</summary>
    public bool TryClaim(TcpFlow flow, out ProxyConnection? outbound)
    {
        _since.TryRemove(flow, out _);
        return flow.TryClaim(out outbound);
    }

    /// <summary>Closes the outbound connections of flows unclaimed for longer than the timeout; returns those flows.</summary>
    public List<TcpFlow> AbandonExpired()
    {
        var abandoned = new List<TcpFlow>();
        var now = _time.GetTimestamp();
        foreach (var (flow, since) in _since)
        {
            if (_time.GetElapsedTime(since, now) >= timeout && _since.TryRemove(flow, out _) && flow.Abandon())
                abandoned.Add(flow);
        }
        return abandoned;
    }

    /// <summary>Closes every unclaimed outbound connection (the proxy is stopping).</summary>
    public void AbandonAll()
    {
        foreach (var flow in _since.Keys)
        {
            if (_since.TryRemove(flow, out _))
                flow.Abandon();
        }
    }
}
