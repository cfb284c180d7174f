using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using SharpTun.Host.Processes;
using Xunit.Abstractions;

namespace SharpTun.Tests.Host.Processes;

/// <summary>
/// Prints what each path costs on this machine (run with --logger "console;verbosity=detailed");
/// bench/SharpTun.Benchmarks/Host/SocketOwnerLookupBenchmarks measures the synchronous ones properly.
/// </summary>
public sealed class SocketOwnerLookupTimingTests(ITestOutputHelper output)
{
    [Fact]
    public async Task FindAsync_EachPath_PrintsItsCost()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await client.ConnectAsync(listener.LocalEndpoint);
        var (source, destination) = ((IPEndPoint)client.LocalEndPoint!, (IPEndPoint)client.RemoteEndPoint!);
        var unused = new IPEndPoint(IPAddress.Loopback, 1);
        using var lookup = new SocketOwnerLookup();
        Assert.NotNull(await lookup.FindAsync(ProtocolType.Tcp, source, destination));

        var hit = await MeasureAsync(2000, async () => Assert.NotNull(await lookup.FindAsync(ProtocolType.Tcp, source, destination)));
        var miss = await MeasureAsync(2000, async () => Assert.Null(await lookup.FindAsync(ProtocolType.Tcp, unused, destination)));
        // A socket no scan has seen, of the process that owned the last one: found among its fds
        // (the time includes opening and closing the socket, about 20 us).
        var scansBefore = lookup.ScansCompleted;

        var recentOwner = await MeasureAsync(200, async () =>
        {
            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            socket.Connect(destination);
            Assert.NotNull(await lookup.FindAsync(ProtocolType.Udp, (IPEndPoint)socket.LocalEndPoint!, destination));
        });
        Assert.Equal(scansBefore, lookup.ScansCompleted);
        var scanner = new ProcSocketScanner();
        var scan = await MeasureAsync(20, () =>
        {
            scanner.ScanAll();
            return Task.CompletedTask;
        });
        var own = await MeasureAsync(20, () =>
        {
            scanner.ScanProcess(Environment.ProcessId, []);
            return Task.CompletedTask;
        });

        output.WriteLine($"hit {hit * 1e3:F0} ns, miss {miss * 1e3:F0} ns per lookup");
        output.WriteLine($"new socket of a recent owner {recentOwner:F0} us (this process: {own:F0} us to scan its fds)");
        output.WriteLine($"full scan {scan:F0} us: {scanner.ProcessesVisited} processes, {scanner.LinksRead} fds ({scan * 1e3 / Math.Max(1, scanner.LinksRead):F0} ns per fd)");
    }

    /// <summary>
    /// The median microseconds per call, after one call to warm up: on a shared 2-core machine a
    /// few calls stall for whole milliseconds (another process has the core) and would swamp a mean.
    /// </summary>
    private static async Task<double> MeasureAsync(int rounds, Func<Task> action)
    {
        await action();
        var times = new double[rounds];
        for (var i = 0; i < rounds; i++)
        {
            var start = Stopwatch.GetTimestamp();
            await action();
            times[i] = Stopwatch.GetElapsedTime(start).TotalMicroseconds;
        }
        Array.Sort(times);
        return times[rounds / 2];
    }
}
