using Microsoft.Extensions.Logging.Abstractions;
using SharpTun.Host;
using SharpTun.Stack;
using SharpTun.TestSupport;
using SharpTun.Tun;

namespace SharpTun.Tests.Stack;

/// <summary>The echo hot path (TUN read, in-place answer, TUN write) on a real device allocates nothing.</summary>
public sealed class EchoServerAllocationTests
{
    [Fact]
    public void ServeBatch_AnsweringFloodPing_AllocatesNothing()
    {
        using var ns = TestNamespace.Create();
        using var journals = new JournalTestDirectory();
        var allocated = ns.RunInside(() =>
        {
            using var changes = HostChanges.Open(journals.Path);
            using var device = changes.CreateTun(new TunOptions { Name = "st0" });
            changes.AddAddress("st0", InterfaceAddress.Parse("10.77.0.1/24"));
            changes.SetLinkUp("st0", true);
            var server = new EchoServer(device.Queues[0], mtu: 1500, pcap: null, NullLogger.Instance);

            using var ping = ns.Start("ping", ["-f", "-q", "-c", "12000", "-w", "60", "10.77.0.2"]);
            var statistics = new EchoStatistics();
            while (statistics.Answered < 2_000)
                server.ServeBatch(ref statistics); // warm-up: JIT, tiering, first-use paths
            var before = GC.GetAllocatedBytesForCurrentThread();
            while (statistics.Answered < 12_000)
                server.ServeBatch(ref statistics);
            var bytes = GC.GetAllocatedBytesForCurrentThread() - before;
            ping.WaitForExit();
            return bytes;
        });
        Assert.Equal(0, allocated);
    }
}
