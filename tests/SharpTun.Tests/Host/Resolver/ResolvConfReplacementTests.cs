using System.Text;
using SharpTun.Host;
using SharpTun.Host.Journal;
using SharpTun.Host.Resolver;
using SharpTun.Interop;
using SharpTun.TestSupport;

namespace SharpTun.Tests.Host.Resolver;

/// <summary>
/// <see cref="HostChanges.ReplaceResolvConf"/> and its undo, on a resolv.conf in a temporary
/// directory (never the host's): the original comes back byte for byte, as what it was.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class ResolvConfReplacementTests : IDisposable
{
    private static readonly byte[] Ours = Encoding.UTF8.GetBytes("# Written by SharpTun\nnameserver 10.2.0.1\nsearch corp.example\n");

    /// <summary>Odd on purpose: CRLF, no newline at the end, bytes that are not UTF-8.</summary>
    private static readonly byte[] Hand = [.. "# by hand\r\nnameserver 192.0.2.53\noptions edns0 "u8, 0xff, 0xfe];

    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("sharptun-resolv-");
    private readonly JournalTestDirectory _journals = new();

    public void Dispose()
    {
        _directory.Delete(recursive: true);
        _journals.Dispose();
    }

    private string ResolvConf => Path.Combine(_directory.FullName, "resolv.conf");

    private string[] Entries() => [.. _directory.EnumerateFileSystemInfos().Select(e => e.Name).Order()];

    private static (uint Permissions, uint Owner, uint Group, ulong Inode) Stat(string path)
    {
        Assert.Equal(0, Libc.StatEntry(Encoding.UTF8.GetBytes(path + "\0"), out var status));
        Assert.Equal(0, Libc.StatIdentity(Encoding.UTF8.GetBytes(path + "\0"), out _, out _, out var inode));
        return (status.Permissions, status.Uid, status.Gid, inode);
    }

    /// <summary>Replaces in a fresh namespace (the netlink side of HostChanges stays away from the host), then undoes.</summary>
    private UndoReport ReplaceThenUndo(Action<HostChanges>? whileReplaced = null)
    {
        using var ns = TestNamespace.Create();
        return ns.RunInside(() =>
        {
            using var changes = HostChanges.Open(_journals.Path);
            changes.ReplaceResolvConf(ResolvConf, Ours);
            whileReplaced?.Invoke(changes);
            return changes.Undo();
        });
    }

    [Fact]
    public void Replace_File_IsAtomicKeepsPermissionsAndOwner_AndUndoRestoresEveryByte()
    {
        File.WriteAllBytes(ResolvConf, Hand);
        Run.Checked($"chown 65534:65534 {ResolvConf}");
        Run.Checked($"chmod 0640 {ResolvConf}");
        var before = Stat(ResolvConf);

        var report = ReplaceThenUndo(changes =>
        {
            Assert.Equal(Ours, File.ReadAllBytes(ResolvConf));
            var during = Stat(ResolvConf);
            Assert.NotEqual(before.Inode, during.Inode); // renamed over, not rewritten
            Assert.Equal((before.Permissions, before.Owner, before.Group), (during.Permissions, during.Owner, during.Group));
            Assert.Equal(["resolv.conf"], Entries()); // no temporary file left
            Assert.Contains("\"kind\":\"resolv-conf\"", File.ReadAllText(changes.JournalPath));
        });

        Assert.True(report.Succeeded, report.ToString());
        Assert.Equal($"undid {ResolvConf} replaced (it was a file of {Hand.Length} bytes)", Assert.Single(report.Outcomes).ToString());
        Assert.Equal(Hand, File.ReadAllBytes(ResolvConf));
        var after = Stat(ResolvConf);
        Assert.Equal((0b110_100_000u, 65534u, 65534u), (after.Permissions, after.Owner, after.Group));
        Assert.Equal(["resolv.conf"], Entries());
    }

    [Fact]
    public void Replace_Symlink_ReplacesTheLinkNotItsTarget_AndUndoBringsTheSymlinkBack()
    {
        var target = Path.Combine(_directory.FullName, "managed");
        Directory.CreateDirectory(target);
        File.WriteAllBytes(Path.Combine(target, "stub-resolv.conf"), Hand);
        File.CreateSymbolicLink(ResolvConf, "managed/stub-resolv.conf");

        var report = ReplaceThenUndo(_ =>
        {
            Assert.Null(new FileInfo(ResolvConf).LinkTarget);
            Assert.Equal(Ours, File.ReadAllBytes(ResolvConf));
            Assert.Equal(0b110_100_100u, Stat(ResolvConf).Permissions); // 0644 whatever the umask
            Assert.Equal(Hand, File.ReadAllBytes(Path.Combine(target, "stub-resolv.conf")));
        });

        Assert.True(report.Succeeded, report.ToString());
        Assert.Equal("managed/stub-resolv.conf", new FileInfo(ResolvConf).LinkTarget);
        Assert.Equal(Hand, File.ReadAllBytes(Path.Combine(target, "stub-resolv.conf")));
        Assert.Equal(["managed", "resolv.conf"], Entries());
    }

    [Fact]
    public void Replace_DanglingSymlink_ComesBackDangling()
    {
        File.CreateSymbolicLink(ResolvConf, "/run/sharptun-test-nothing-here/resolv.conf");

        var report = ReplaceThenUndo();

        Assert.True(report.Succeeded, report.ToString());
        Assert.Equal("/run/sharptun-test-nothing-here/resolv.conf", new FileInfo(ResolvConf).LinkTarget);
    }

    [Fact]
    public void Replace_NoFile_UndoRemovesOurs()
    {
        var report = ReplaceThenUndo(_ => Assert.Equal(Ours, File.ReadAllBytes(ResolvConf)));

        Assert.True(report.Succeeded, report.ToString());
        Assert.Empty(Entries());
    }

    [Fact]
    public void Undo_ReplacedAgainSince_LeavesItAndSaysSo()
    {
        File.WriteAllBytes(ResolvConf, Hand);

        var report = ReplaceThenUndo(_ => File.WriteAllText(ResolvConf, "nameserver 198.51.100.53\n")); // a DHCP client's

        var outcome = Assert.Single(report.Outcomes);
        Assert.Equal(UndoResult.Failed, outcome.Result);
        Assert.Equal(
            $"{ResolvConf} no longer holds the file SharpTun wrote (something replaced it since, or it was written in a mount namespace that is gone); left alone. It was a file of {Hand.Length} bytes before",
            outcome.Error);
        Assert.Equal("nameserver 198.51.100.53\n", File.ReadAllText(ResolvConf));
    }

    [Fact]
    public void Replace_PathIsADirectory_RefusedAndNothingRecorded()
    {
        Directory.CreateDirectory(ResolvConf);
        using var ns = TestNamespace.Create();

        var report = ns.RunInside(() =>
        {
            using var changes = HostChanges.Open(_journals.Path);
            var error = Assert.Throws<InvalidOperationException>(() => changes.ReplaceResolvConf(ResolvConf, Ours));
            Assert.StartsWith($"{ResolvConf} is neither a file nor a symlink", error.Message);
            return changes.Undo();
        });

        Assert.Empty(report.Outcomes);
    }

    /// <summary>
    /// Killed after the journal line was written and the temporary file created, before the rename:
    /// cleanup removes the temporary file and leaves the untouched original alone.
    /// </summary>
    [Fact]
    public void Cleanup_KilledBeforeTheRename_RemovesTheTemporaryFileOnly()
    {
        File.WriteAllBytes(ResolvConf, Hand);
        var temporary = Path.Combine(_directory.FullName, ".resolv.conf.sharptun-1");
        using var ns = TestNamespace.Create();
        ns.RunInside(() =>
        {
            using var journal = HostJournal.Create(_journals.Path);
            journal.Record(new ResolvConfChange(ResolvConf, temporary, Ours, ResolvConfFile.Read(ResolvConf)));
            File.WriteAllBytes(temporary, Ours[..5]);
        });

        var result = OrphanCleanup.CleanupJournal(Assert.Single(_journals.Journals()))!;

        Assert.True(result.Report.Succeeded, result.ToString());
        Assert.Equal(OrphanAction.Undone, result.Action);
        Assert.Equal(Hand, File.ReadAllBytes(ResolvConf));
        Assert.Equal(["resolv.conf"], Entries());
    }

    /// <summary>
    /// A file does not go away with the network namespace the process ran in: cleanup restores it
    /// even when the namespace is gone (and with it every route and device the process made).
    /// </summary>
    [Fact]
    public void Cleanup_NamespaceGone_StillRestoresResolvConf()
    {
        File.WriteAllBytes(ResolvConf, Hand);
        var ns = TestNamespace.Create();
        try
        {
            ns.RunInside(() =>
            {
                using var journal = HostJournal.Create(_journals.Path);
                var change = new ResolvConfChange(ResolvConf, ResolvConfFile.TemporaryPathFor(ResolvConf), Ours, ResolvConfFile.Read(ResolvConf));
                journal.Record(change);
                ResolvConfFile.ReplaceAtomically(change.Path, change.TemporaryPath, change.Written, change.Original);
                journal.Record(new RouteChange(new Route { Destination = System.Net.IPNetwork.Parse("10.9.0.0/16"), Device = "st0" }));
            });
        }
        finally
        {
            ns.Dispose();
        }
        Assert.Equal(Ours, File.ReadAllBytes(ResolvConf));

        var result = OrphanCleanup.CleanupJournal(Assert.Single(_journals.Journals()))!;

        Assert.Equal(OrphanAction.NamespaceGone, result.Action);
        Assert.True(result.Report.Succeeded, result.ToString());
        Assert.Equal(UndoResult.Undone, Assert.Single(result.Report.Outcomes).Result);
        Assert.Contains("the namespace is gone, and its changes with it; 1 change(s) outside it undone", result.ToString());
        Assert.Equal(Hand, File.ReadAllBytes(ResolvConf));
        Assert.Empty(_journals.Journals());
    }
}
