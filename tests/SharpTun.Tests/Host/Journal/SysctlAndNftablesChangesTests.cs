using SharpTun.Host;
using SharpTun.Host.Journal;
using SharpTun.Interop;
using SharpTun.TestSupport;

namespace SharpTun.Tests.Host.Journal;

/// <summary>The journaled changes made through /proc/sys and nft(8), inside namespaces the tests create.</summary>
public sealed class SysctlAndNftablesChangesTests
{
    private static readonly NftablesTable Clamp = new("inet", "sharptun_test", """
        chain forward {
            type filter hook forward priority mangle; policy accept;
            oifname "st0" tcp flags syn tcp option maxseg size set rt mtu
        }
        """);

    private static string SysctlIn(TestNamespace ns, string name) => Run.Checked($"ip netns exec {ns.Name} sysctl -n {name}").Trim();

    [Fact]
    public void SetSysctl_ThenUndo_RestoresThePreviousValueInThatNamespaceOnly()
    {
        using var ns = TestNamespace.Create();
        using var directory = new JournalTestDirectory();
        var hostForwarding = Sysctl.Read("net.ipv4.ip_forward");
        var report = ns.RunInside(() =>
        {
            using var changes = HostChanges.Open(directory.Path);
            changes.SetSysctl("net.ipv4.ip_forward", "1");
            changes.SetSysctl("net.ipv4.conf.all.src_valid_mark", "1");
            Assert.Equal("1", SysctlIn(ns, "net.ipv4.ip_forward"));
            Assert.Equal("1", SysctlIn(ns, "net.ipv4.conf.all.src_valid_mark"));
            Assert.Contains("\"kind\":\"sysctl\",\"name\":\"net.ipv4.ip_forward\",\"value\":\"1\",\"previousValue\":\"0\"", File.ReadAllText(changes.JournalPath));
            return changes.Undo();
        });

        Assert.True(report.Succeeded, report.ToString());
        Assert.Equal(["sysctl net.ipv4.conf.all.src_valid_mark=1 (was 0)", "sysctl net.ipv4.ip_forward=1 (was 0)"], report.Outcomes.Select(o => o.Change.ToString()));
        Assert.Equal("0", SysctlIn(ns, "net.ipv4.ip_forward"));
        Assert.Equal("0", SysctlIn(ns, "net.ipv4.conf.all.src_valid_mark"));
        Assert.Equal(hostForwarding, Sysctl.Read("net.ipv4.ip_forward"));
    }

    [Fact]
    public void SetSysctl_AlreadyThatValue_RecordsNothing()
    {
        using var ns = TestNamespace.Create();
        using var directory = new JournalTestDirectory();
        ns.Exec("sysctl -qw net.ipv4.ip_forward=1");
        var report = ns.RunInside(() =>
        {
            using var changes = HostChanges.Open(directory.Path);
            changes.SetSysctl("net.ipv4.ip_forward", "1");
            return changes.Undo();
        });

        Assert.Empty(report.Outcomes);
        Assert.Equal("1", SysctlIn(ns, "net.ipv4.ip_forward"));
    }

    [Fact]
    public void Undo_SysctlChangedBySomeoneElse_LeavesItAndSaysSo()
    {
        using var ns = TestNamespace.Create();
        using var directory = new JournalTestDirectory();
        var report = ns.RunInside(() =>
        {
            using var changes = HostChanges.Open(directory.Path);
            changes.SetSysctl("net.ipv4.conf.all.rp_filter", "2");
            Run.Checked($"ip netns exec {ns.Name} sysctl -qw net.ipv4.conf.all.rp_filter=1");
            return changes.Undo();
        });

        var outcome = Assert.Single(report.Outcomes);
        Assert.Equal(UndoResult.Failed, outcome.Result);
        Assert.Equal("net.ipv4.conf.all.rp_filter is now 1, not the 2 SharpTun set; left alone", outcome.Error);
        Assert.Equal("1", SysctlIn(ns, "net.ipv4.conf.all.rp_filter"));
    }

    [Fact]
    public void SetSysctl_UnknownParameter_ThrowsEnoentAndJournalsNothing()
    {
        using var ns = TestNamespace.Create();
        using var directory = new JournalTestDirectory();
        ns.RunInside(() =>
        {
            using var changes = HostChanges.Open(directory.Path);
            var error = Assert.Throws<InteropException>(() => changes.SetSysctl("net.ipv4.no_such_thing", "1"));
            Assert.Equal(Errno.ENOENT, error.Errno);
            Assert.StartsWith("sysctl net.ipv4.no_such_thing: No such file or directory (ENOENT)", error.Message);
            Assert.Empty(changes.Undo().Outcomes);
        });
    }

    [Theory]
    [InlineData("net.ipv4..x")]
    [InlineData("net/ipv4/ip_forward")]
    [InlineData("net.ipv4.ip forward")]
    public void PathOf_BadName_Throws(string name) => Assert.Throws<ArgumentException>(() => Sysctl.PathOf(name));

    [Fact]
    public void AddNftablesTable_ThenUndo_DeletesTheTableOnly()
    {
        using var ns = TestNamespace.Create();
        using var directory = new JournalTestDirectory();
        ns.Exec("nft add table ip theirs");
        var report = ns.RunInside(() =>
        {
            using var changes = HostChanges.Open(directory.Path);
            changes.AddNftablesTable(Clamp);
            var ruleset = Run.Checked($"ip netns exec {ns.Name} nft list ruleset");
            Assert.Contains("table inet sharptun_test {", ruleset);
            Assert.Contains("oifname \"st0\" tcp flags syn tcp option maxseg size set rt mtu", ruleset);
            return changes.Undo();
        });

        Assert.True(report.Succeeded, report.ToString());
        Assert.Equal("undid nftables table inet sharptun_test", Assert.Single(report.Outcomes).ToString());
        Assert.Equal("table ip theirs {\n}\n", Run.Checked($"ip netns exec {ns.Name} nft list ruleset"));
    }

    [Fact]
    public void AddNftablesTable_NameTaken_IsRefusedAndTheTableLeftAlone()
    {
        using var ns = TestNamespace.Create();
        using var directory = new JournalTestDirectory();
        ns.Exec("nft add table inet sharptun_test");
        var report = ns.RunInside(() =>
        {
            using var changes = HostChanges.Open(directory.Path);
            var error = Assert.Throws<InvalidOperationException>(() => changes.AddNftablesTable(Clamp));
            Assert.StartsWith("an nftables table 'inet sharptun_test' already exists", error.Message);
            return changes.Undo();
        });

        Assert.Empty(report.Outcomes);
        Assert.Contains("table inet sharptun_test", Run.Checked($"ip netns exec {ns.Name} nft list tables"));
    }

    [Fact]
    public void AddNftablesTable_BadRuleset_FailsWithNftsMessageAndUndoesNothing()
    {
        using var ns = TestNamespace.Create();
        using var directory = new JournalTestDirectory();
        ns.RunInside(() =>
        {
            using var changes = HostChanges.Open(directory.Path);
            var error = Assert.Throws<InvalidOperationException>(() => changes.AddNftablesTable(new NftablesTable("inet", "sharptun_bad", "chain c { nonsense }")));
            Assert.StartsWith("nft -f (table inet sharptun_bad) failed: ", error.Message);
            Assert.Contains("syntax error", error.Message);
            Assert.Empty(changes.Undo().Outcomes);
        });
    }

    [Fact]
    public void Undo_TableDeletedMeanwhile_CountsAsAlreadyGone()
    {
        using var ns = TestNamespace.Create();
        using var directory = new JournalTestDirectory();
        var report = ns.RunInside(() =>
        {
            using var changes = HostChanges.Open(directory.Path);
            changes.AddNftablesTable(Clamp);
            Run.Checked($"ip netns exec {ns.Name} nft delete table inet sharptun_test");
            return changes.Undo();
        });

        Assert.Equal(UndoResult.AlreadyGone, Assert.Single(report.Outcomes).Result);
    }

    /// <summary>Undo called from a thread in another namespace still acts where the changes were made.</summary>
    [Fact]
    public void Undo_FromAnotherNamespace_ActsInTheNamespaceOfOpen()
    {
        using var ns = TestNamespace.Create();
        using var directory = new JournalTestDirectory();
        var hostTables = Run.Checked("nft list tables");
        var changes = ns.RunInside(() =>
        {
            var opened = HostChanges.Open(directory.Path);
            opened.SetSysctl("net.ipv4.ip_forward", "1");
            opened.AddNftablesTable(Clamp);
            return opened;
        });
        using (changes)
        {
            var report = changes.Undo();
            Assert.True(report.Succeeded, report.ToString());
        }

        Assert.Equal("0", SysctlIn(ns, "net.ipv4.ip_forward"));
        Assert.Equal("", Run.Checked($"ip netns exec {ns.Name} nft list tables"));
        Assert.Equal(hostTables, Run.Checked("nft list tables"));
    }

    [Theory]
    [InlineData("stv0", "sharptun_stv0")]
    [InlineData("st-v.0=+", "sharptun_st_v_0__")]
    public void NameFor_ReplacesWhatNftDoesNotTake(string owner, string expected) => Assert.Equal(expected, NftablesTable.NameFor(owner));

    [Theory]
    [InlineData("bridge", "x")]
    [InlineData("inet", "1x")]
    [InlineData("inet", "a-b")]
    [InlineData("inet", "")]
    public void NftablesTable_BadFamilyOrName_Throws(string family, string name) =>
        Assert.Throws<ArgumentException>(() => new NftablesTable(family, name, ""));
}
