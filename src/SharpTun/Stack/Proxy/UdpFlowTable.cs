using Microsoft.Extensions.Logging;
using SharpTun.Stack.Nat;

namespace SharpTun.Stack.Proxy;

/// <summary>
/// The proxy's UDP flows: a <see cref="UdpNatTable{TAssociation}"/> of associations, one per app
/// source endpoint, each logged in one line when it ends (idle timeout, eviction, shutdown, or its
/// outbound failing), the way a TCP flow is logged when its relay ends. The line is written once
/// the association's receive loop has finished, so its counts are final; shutdown waits for it
/// through <see cref="RunningTasks"/>. Per datagram this adds nothing to the table's lookup: the
/// association counts what it carries.
/// </summary>
public sealed partial class UdpFlowTable : IDisposable
{
    private readonly UdpNatTable<UdpAssociation> _table;
    private readonly Func<NatEndpoint, NatEndpoint, UdpAssociation> _factory;
    private readonly RunningTasks _running;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;

    /// <param name="factory">Makes the association of a new app source endpoint, given the destination of its first datagram.</param>
    /// <param name="options">Idle timeout and size bound.</param>
    /// <param name="running">Where the task that logs a flow's end is tracked, so shutdown can wait for it.</param>
    /// <param name="logger">One Information line per flow.</param>
    /// <param name="timeProvider">The clock for idle timeouts and durations; <see cref="TimeProvider.System"/> when null.</param>
    public UdpFlowTable(Func<NatEndpoint, NatEndpoint, UdpAssociation> factory, UdpNatOptions options, RunningTasks running,
        ILogger logger, TimeProvider? timeProvider = null)
    {
        _factory = factory;
        _running = running;
        _logger = logger;
        _time = timeProvider ?? TimeProvider.System;
        _table = new UdpNatTable<UdpAssociation>(static _ => throw new InvalidOperationException("associations are made through GetOrAdd(source, destination)"), options, _time, static (association, reason) => association.End(reason));
    }

    /// <summary>Flows open now.</summary>
    public int Count => _table.Count;

    /// <summary>Flows created since the proxy started.</summary>
    public long Created => _table.Created;

    /// <summary>
    /// The association of <paramref name="source"/>, made for a datagram to <paramref name="destination"/>
    /// when there is none (the first datagram's destination picks the outbound, as in mihomo and
    /// sing-box); call it for every datagram from the app.
    /// </summary>
    public UdpAssociation GetOrAdd(NatEndpoint source, NatEndpoint destination) =>
        _table.TryGet(source, out var existing) ? existing : _table.GetOrAdd(source, app => Create(app, destination));

    /// <summary>Ends the flows idle for the timeout; call it periodically.</summary>
    public int ExpireIdle() => _table.ExpireIdle();

    /// <summary>Ends every flow (each logs its line); <see cref="RunningTasks.WaitIdleAsync"/> then waits for the lines.</summary>
    public void Dispose() => _table.Dispose();

    private UdpAssociation Create(NatEndpoint app, NatEndpoint firstDestination)
    {
        var start = _time.GetTimestamp();
        var association = _factory(app, firstDestination);
        association.OnReplies(() => _table.Refresh(app));
        _running.Track(LogWhenEndedAsync(association, start));
        return association;
    }

    private async Task LogWhenEndedAsync(UdpAssociation association, long start)
    {
        await association.Receiving.ConfigureAwait(false);
        // No reason: the association lost a race to be made for its endpoint and never carried a datagram.
        if (association.EndReason is not { } reason || !_logger.IsEnabled(LogLevel.Information))
            return;
        var seconds = _time.GetElapsedTime(start).TotalSeconds;
        var ending = reason == UdpMappingEnd.Failed ? $"Failed ({association.Failure})" : reason.ToString();
        LogUdpFlow(association.App, association.Destinations.ToString(), association.OutboundName, ending,
            association.BytesOut, association.DatagramsOut, association.BytesIn, association.DatagramsIn, seconds);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "udp {Source} -> {Destination} via {Outbound}: {Reason}, up {BytesUp} B in {DatagramsUp} datagrams, down {BytesDown} B in {DatagramsDown} datagrams, {Seconds:0.000} s")]
    private partial void LogUdpFlow(NatEndpoint source, string destination, string outbound, string reason,
        long bytesUp, long datagramsUp, long bytesDown, long datagramsDown, double seconds);
}
