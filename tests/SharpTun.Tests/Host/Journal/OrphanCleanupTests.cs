using System.Net;
using System.Reflection;
using SharpTun.Host;
using SharpTun.Host.Journal;
using SharpTun.TestSupport;

namespace SharpTun.Tests.Host.Journal;

public sealed class OrphanCleanupTests
{
    /// <summary>
    /// The crash test: a separate process makes journaled changes inside a namespace and is
    /// SIGKILLed; cleanup run from this process (in the host namespace) finds the namespace by
    /// its inode, undoes everything, and the namespace looks exactly as before.
    /// </summary>
    [Fact]
    public async Task Run_ProbeKilledInNamespace_RestoresNamespaceExactly()
    {
        using var ns = TestNamespace.Create();
        using var directory = new JournalTestDirectory();
        var before = NamespaceSnapshot.Take(ns);

        using (var probe = ns.Start(DotnetHost(), [ProbePath(), "--journal-dir", directory.Path]))
        {
            try
            {
                var line = await probe.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(60));
                Assert.True(line == "ready", $"probe said '{line}'");
                Assert.Contains("persist on", ns.Ip("-d link show stprobe0"));
                Assert.Contains("inet 10.77.0.1/24", ns.Ip("addr show stprobe0"));
                Assert.Contains("10.78.0.0/24 dev stprobe0", ns.Ip("route show table 100"));
                Assert.Contains("1000:\tfrom all fwmark 0x77 lookup 100", ns.Ip("rule"));
                Assert.Equal(Path.Combine(directory.Path, $"{probe.Id}.journal"), Assert.Single(directory.Journals()));
            }
            finally
            {
                probe.Kill(); // SIGKILL: no undo runs in the probe
                probe.WaitForExit();
            }
        }

        var results = OrphanCleanup.Run(directory.Path);

        var result = Assert.Single(results);
        Assert.Equal(OrphanAction.Undone, result.Action);
        Assert.Equal(ns.Name, result.Namespace);
        Assert.True(result.Report.Succeeded, result.ToString());
        Assert.Equal(5, result.Report.Outcomes.Count);
        Assert.Empty(directory.Journals());
        Assert.Equal(before, NamespaceSnapshot.Take(ns));
    }

    /// <summary>The same with a sysctl and an nftables table among the changes: both are undone inside the namespace.</summary>
    [Fact]
    public async Task Run_ProbeWithFirewallKilled_RestoresSysctlAndRuleset()
    {
        using var ns = TestNamespace.Create();
        using var directory = new JournalTestDirectory();
        var before = NamespaceSnapshot.Take(ns);

        using (var probe = ns.Start(DotnetHost(), [ProbePath(), "--journal-dir", directory.Path, "--firewall"]))
        {
            try
            {
                var line = await probe.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(60));
                Assert.True(line == "ready", $"probe said '{line}'");
                Assert.Equal("1", ns.Exec("sysctl -n net.ipv4.ip_forward").StandardOutput.Trim());
                Assert.Contains("table inet sharptun_probe", ns.Exec("nft list tables").StandardOutput);
            }
            finally
            {
                probe.Kill();
                probe.WaitForExit();
            }
        }

        var result = Assert.Single(OrphanCleanup.Run(directory.Path));

        Assert.True(result.Report.Succeeded, result.ToString());
        Assert.Equal(7, result.Report.Outcomes.Count);
        Assert.Equal(before, NamespaceSnapshot.Take(ns));
    }

    [Fact]
    public void Run_LiveOwner_LeavesJournalAlone_ButReusedPid_IsCleanedUp()
    {
        using var ns = TestNamespace.Create();
        using var directory = new JournalTestDirectory();
        ns.RunInside(() =>
        {
            // Record and apply a rule, then close the journal without undo: as if this process crashed.
            using var journal = HostJournal.Create(directory.Path);
            var rule = new RoutingRule { Priority = 1000, FwMark = 0x77, Table = 100 };
            journal.Record(new RuleChange(rule));
            using var netlink = RtNetlink.Open();
            netlink.AddRule(rule);
        });
        var path = Assert.Single(directory.Journals());

        Assert.Empty(OrphanCleanup.Run(directory.Path));
        Assert.Contains("1000:", ns.Ip("rule"));

        // Same pid, another start time: the journal's owner is gone and the pid was reused.
        var startTime = ProcessStartTime.Read(Environment.ProcessId);
        File.WriteAllText(path, File.ReadAllText(path).Replace($"\"startTime\":{startTime}", $"\"startTime\":{startTime - 1}"));

        var result = Assert.Single(OrphanCleanup.Run(directory.Path));
        Assert.Equal(OrphanAction.Undone, result.Action);
        Assert.Equal(UndoResult.Undone, Assert.Single(result.Report.Outcomes).Result);
        Assert.DoesNotContain("1000:", ns.Ip("rule"));
        Assert.Empty(directory.Journals());
    }

    [Fact]
    public void Run_NamespaceGone_RemovesJournalWithoutUndo()
    {
        using var directory = new JournalTestDirectory();
        var ns = TestNamespace.Create();
        try
        {
            ns.RunInside(() =>
            {
                using var journal = HostJournal.Create(directory.Path);
                journal.Record(new RouteChange(new Route { Destination = IPNetwork.Parse("10.9.0.0/16"), Device = "st0" }));
            });
            PretendOwnerDied(Assert.Single(directory.Journals()));
        }
        finally
        {
            ns.Dispose();
        }

        var result = Assert.Single(OrphanCleanup.Run(directory.Path));

        Assert.Equal(OrphanAction.NamespaceGone, result.Action);
        Assert.Empty(directory.Journals());
    }

    /// <summary>
    /// Namespace inode numbers are recycled: a journal whose namespace died can name the inode of a
    /// newer namespace. The cookie tells them apart, and nothing is undone in the stranger.
    /// </summary>
    [Fact]
    public void Run_InodeReusedByAnotherNamespace_UndoesNothingThere()
    {
        using var ns = TestNamespace.Create();
        using var directory = new JournalTestDirectory();
        var cookie = ns.RunInside(() =>
        {
            using var journal = HostJournal.Create(directory.Path);
            var rule = new RoutingRule { Priority = 1000, FwMark = 0x77, Table = 100 };
            journal.Record(new RuleChange(rule));
            using var netlink = RtNetlink.Open();
            netlink.AddRule(rule);
            return journal.Header.NamespaceCookie;
        });
        Assert.NotNull(cookie);
        var path = Assert.Single(directory.Journals());
        PretendOwnerDied(path);
        File.WriteAllText(path, File.ReadAllText(path).Replace($"\"namespaceCookie\":{cookie}", $"\"namespaceCookie\":{cookie + 1}"));

        var result = Assert.Single(OrphanCleanup.Run(directory.Path));

        Assert.Equal(OrphanAction.NamespaceGone, result.Action);
        Assert.Contains("1000:", ns.Ip("rule"));
        Assert.Empty(directory.Journals());
    }

    [Fact]
    public void Run_JournalWithoutHeader_RemovesIt()
    {
        using var directory = new JournalTestDirectory();
        File.WriteAllText(Path.Combine(directory.Path, "999999.journal"), "{\"version\":1,\"pi");

        var result = Assert.Single(OrphanCleanup.Run(directory.Path));

        Assert.Equal(OrphanAction.NothingRecorded, result.Action);
        Assert.Empty(directory.Journals());
    }

    [Fact]
    public void Run_MissingDirectory_ReturnsNothing() =>
        Assert.Empty(OrphanCleanup.Run(Path.Combine(Path.GetTempPath(), "sharptun-no-such-directory")));

    private static void PretendOwnerDied(string path)
    {
        var startTime = ProcessStartTime.Read(Environment.ProcessId);
        File.WriteAllText(path, File.ReadAllText(path).Replace($"\"startTime\":{startTime}", "\"startTime\":1"));
    }

    private static string ProbePath() => HostChangeProbe.PathFor(typeof(OrphanCleanupTests).Assembly);

    private static string DotnetHost() => HostChangeProbe.DotnetHost();
}
