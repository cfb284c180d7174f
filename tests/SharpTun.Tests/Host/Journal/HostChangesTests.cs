using System.Net;
using System.Text.Json;
using SharpTun.Host;
using SharpTun.Host.Journal;
using SharpTun.Interop;
using SharpTun.TestSupport;
using SharpTun.Tun;

namespace SharpTun.Tests.Host.Journal;

public sealed class HostChangesTests
{
    [Fact]
    public void Undo_AfterChanges_RevertsNewestFirstAndDeletesJournal()
    {
        using var ns = TestNamespace.Create();
        using var directory = new JournalTestDirectory();
        var before = NamespaceSnapshot.Take(ns);
        var report = ns.RunInside(() =>
        {
            using var changes = HostChanges.Open(directory.Path);
            using (var device = changes.CreateTun(new TunOptions { Name = "st0", Persist = true }))
            {
                changes.SetMtu("st0", 1400);
                changes.AddAddress("st0", InterfaceAddress.Parse("10.0.0.1/24"));
                changes.SetLinkUp("st0", true);
                changes.AddRoute(new Route { Destination = IPNetwork.Parse("10.9.0.0/16"), Device = "st0", Table = 100 });
                changes.AddRule(new RoutingRule { Priority = 1000, FwMark = 0x77, Table = 100 });
            }
            Assert.Contains("persist on", ns.Ip("-d link show st0"));
            Assert.Single(directory.Journals());
            return changes.Undo();
        });

        Assert.True(report.Succeeded, report.ToString());
        Assert.Equal(
            ["rule", "route", "link-state", "address", "mtu", "tun"],
            report.Outcomes.Select(o => Kind(o.Change)).ToArray());
        Assert.All(report.Outcomes, o => Assert.Equal(UndoResult.Undone, o.Result));
        Assert.Empty(directory.Journals());
        Assert.Equal(before, NamespaceSnapshot.Take(ns));
    }

    [Fact]
    public void Keep_AfterChanges_LeavesThemInPlaceAndDeletesJournal()
    {
        using var ns = TestNamespace.Create();
        using var directory = new JournalTestDirectory();
        ns.RunInside(() =>
        {
            using var changes = HostChanges.Open(directory.Path);
            using (changes.CreateTun(new TunOptions { Name = "st0", Persist = true }))
                changes.AddAddress("st0", InterfaceAddress.Parse("10.0.0.1/24"));
            changes.Keep();
            Assert.Empty(directory.Journals());
            Assert.Throws<ObjectDisposedException>(() => changes.AddAddress("st0", InterfaceAddress.Parse("10.0.0.2/24")));
        });

        Assert.Contains("persist on", ns.Ip("-d link show st0"));
        Assert.Contains("inet 10.0.0.1/24", ns.Ip("addr show st0"));
    }

    [Fact]
    public void Open_WritesHeaderWithPidStartTimeAndNamespace()
    {
        using var ns = TestNamespace.Create();
        using var directory = new JournalTestDirectory();
        var expected = NetworkNamespaceId.TryOf($"/var/run/netns/{ns.Name}");
        ns.RunInside(() =>
        {
            using var changes = HostChanges.Open(directory.Path);
            Assert.Equal(Path.Combine(directory.Path, $"{Environment.ProcessId}.journal"), changes.JournalPath);
            using var header = JsonDocument.Parse(File.ReadLines(changes.JournalPath).First());
            var root = header.RootElement;
            Assert.Equal(Environment.ProcessId, root.GetProperty("pid").GetInt32());
            Assert.Equal(ProcessStartTime.Read(Environment.ProcessId), root.GetProperty("startTime").GetUInt64());
            Assert.Equal(expected!.Value.Inode, root.GetProperty("namespace").GetProperty("inode").GetUInt64());
            Assert.Equal(expected.Value.Device, root.GetProperty("namespace").GetProperty("device").GetUInt64());
            Assert.Equal(ns.Name, root.GetProperty("namespaceName").GetString());
            Assert.Equal(NetworkNamespaceCookie.Current(), root.GetProperty("namespaceCookie").GetUInt64());
        });
        Assert.NotEqual(NetworkNamespaceCookie.Current(), ns.RunInside(NetworkNamespaceCookie.Current));
    }

    [Fact]
    public void Undo_ChangesAlreadyGone_CountAsSuccess()
    {
        using var ns = TestNamespace.Create();
        using var directory = new JournalTestDirectory();
        ns.Ip("link add st0 type veth peer name st0peer");
        ns.Ip("link set st0 up");
        var report = ns.RunInside(() =>
        {
            using var changes = HostChanges.Open(directory.Path);
            changes.AddAddress("st0", InterfaceAddress.Parse("10.0.0.1/24"));
            changes.AddRoute(new Route { Destination = IPNetwork.Parse("10.9.0.0/16"), Device = "st0", Table = 100 });
            changes.AddRule(new RoutingRule { Priority = 1000, FwMark = 0x77, Table = 100 });
            ns.Ip("rule del priority 1000");
            ns.Ip("link del st0");
            return changes.Undo();
        });

        Assert.True(report.Succeeded, report.ToString());
        Assert.All(report.Outcomes, o => Assert.Equal(UndoResult.AlreadyGone, o.Result));
    }

    [Fact]
    public void Undo_OneChangeFails_ReportsItAndUndoesTheRest()
    {
        using var ns = TestNamespace.Create();
        using var directory = new JournalTestDirectory();
        var report = ns.RunInside(() =>
        {
            using var changes = HostChanges.Open(directory.Path);
            changes.CreateTun(new TunOptions { Name = "st0", Persist = true }).Dispose();
            changes.AddRule(new RoutingRule { Priority = 1000, FwMark = 0x77, Table = 100 });
            // Someone replaces our TUN with a link of another kind: undo must not delete it.
            ns.Ip("link del st0");
            ns.Ip("link add st0 type veth peer name st0peer");
            return changes.Undo();
        });

        Assert.False(report.Succeeded);
        Assert.Equal(UndoResult.Undone, report.Outcomes[0].Result);
        Assert.Equal(UndoResult.Failed, report.Outcomes[1].Result);
        Assert.Contains("'st0' is now a veth link", report.Outcomes[1].Error);
        Assert.DoesNotContain("1000:", ns.Ip("rule"));
        Assert.Contains("st0", ns.Ip("link show st0"));
    }

    [Fact]
    public void AddAddress_AlreadyThere_ThrowsAndUndoLeavesTheExistingAddress()
    {
        using var ns = TestNamespace.Create();
        using var directory = new JournalTestDirectory();
        ns.Ip("link add st0 type veth peer name st0peer");
        ns.Ip("addr add 10.0.0.1/24 dev st0");
        var report = ns.RunInside(() =>
        {
            using var changes = HostChanges.Open(directory.Path);
            var error = Assert.Throws<InteropException>(() => changes.AddAddress("st0", InterfaceAddress.Parse("10.0.0.1/24")));
            Assert.Equal(Errno.EEXIST, error.Errno);
            return changes.Undo();
        });

        Assert.Empty(report.Outcomes);
        Assert.Contains("10.0.0.1/24", ns.Ip("addr show st0"));
    }

    [Fact]
    public void CreateTun_ExistingDevice_AttachesAndJournalsNothing()
    {
        using var ns = TestNamespace.Create();
        using var directory = new JournalTestDirectory();
        ns.Ip("tuntap add dev st0 mode tun");
        var report = ns.RunInside(() =>
        {
            using var changes = HostChanges.Open(directory.Path);
            changes.CreateTun(new TunOptions { Name = "st0", Persist = true }).Dispose();
            changes.SetLinkUp("st0", false);
            return changes.Undo();
        });

        Assert.Empty(report.Outcomes);
        Assert.Contains("st0", ns.Ip("link show st0"));
    }

    [Fact]
    public void AddRoute_AfterUndo_IsRefused()
    {
        using var ns = TestNamespace.Create();
        using var directory = new JournalTestDirectory();
        ns.RunInside(() =>
        {
            using var changes = HostChanges.Open(directory.Path);
            changes.Undo();
            Assert.Throws<ObjectDisposedException>(() => changes.AddRule(new RoutingRule { Priority = 1000, Table = 100 }));
            Assert.Empty(changes.Undo().Outcomes);
        });
    }

    private static string Kind(HostChange change) => change switch
    {
        TunDeviceChange => "tun",
        AddressChange => "address",
        RouteChange => "route",
        RuleChange => "rule",
        MtuChange => "mtu",
        LinkStateChange => "link-state",
        _ => change.GetType().Name,
    };
}
