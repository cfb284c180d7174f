using System.Net;
using SharpTun.Host;
using SharpTun.Host.Journal;
using SharpTun.TestSupport;

namespace SharpTun.Tests.Host.Resolver;

/// <summary>
/// The resolvconf and systemd-resolved changes, against stand-in programs that log how they were
/// called (neither tool is installed here): the arguments wg-quick uses, and the undo.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class ResolverToolChangesTests : IDisposable
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("sharptun-resolver-tools-");
    private readonly JournalTestDirectory _journals = new();
    private readonly TestNamespace _ns = TestNamespace.Create();

    public void Dispose()
    {
        _ns.Dispose();
        _journals.Dispose();
        _directory.Delete(recursive: true);
    }

    private string Log => Path.Combine(_directory.FullName, "calls.log");

    /// <summary>A program named <paramref name="name"/> that logs its arguments and stdin, then exits with <paramref name="exitCode"/>.</summary>
    private string FakeTool(string name, int exitCode = 0)
    {
        var path = Path.Combine(_directory.FullName, name);
        File.WriteAllText(path, $"#!/bin/sh\necho \"{name} $*\" >> {Log}\ncat >> {Log}\n{(exitCode == 0 ? "" : $"echo 'no such interface' >&2\n")}exit {exitCode}\n");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return path;
    }

    private string[] Calls() => File.Exists(Log) ? File.ReadAllLines(Log) : [];

    [Fact]
    public void AddResolvconfRecord_RunsWgQuicksCommand_AndUndoDeletesTheRecord()
    {
        var resolvconf = FakeTool("resolvconf");

        var report = _ns.RunInside(() =>
        {
            using var changes = HostChanges.Open(_journals.Path);
            changes.AddResolvconfRecord(resolvconf, "tun.stv0", "nameserver 10.2.0.1\nsearch corp.example\n");
            Assert.Equal(["resolvconf -a tun.stv0 -m 0 -x", "nameserver 10.2.0.1", "search corp.example"], Calls());
            return changes.Undo();
        });

        Assert.True(report.Succeeded, report.ToString());
        Assert.Equal("undid resolvconf record tun.stv0", Assert.Single(report.Outcomes).ToString());
        Assert.Equal("resolvconf -d tun.stv0 -f", Calls()[^1]);
    }

    [Fact]
    public void AddResolvconfRecord_ToolFails_ThrowsItsMessageAndUndoesNothing()
    {
        var resolvconf = FakeTool("resolvconf", exitCode: 1);

        var report = _ns.RunInside(() =>
        {
            using var changes = HostChanges.Open(_journals.Path);
            var error = Assert.Throws<InvalidOperationException>(() => changes.AddResolvconfRecord(resolvconf, "tun.stv0", "nameserver 10.2.0.1\n"));
            Assert.Equal("'resolvconf -a tun.stv0 -m 0 -x' failed (exit code 1): no such interface", error.Message);
            return changes.Undo();
        });

        Assert.Empty(report.Outcomes);
        Assert.Equal(["resolvconf -a tun.stv0 -m 0 -x", "nameserver 10.2.0.1"], Calls());
    }

    [Fact]
    public void SetResolvedLinkDns_SetsServersAndDomains_AndUndoReverts()
    {
        var resolvectl = FakeTool("resolvectl");
        _ns.Ip("link add stv0 type veth peer name stv0peer");

        var report = _ns.RunInside(() =>
        {
            using var changes = HostChanges.Open(_journals.Path);
            changes.SetResolvedLinkDns(resolvectl, "stv0", [IPAddress.Parse("10.2.0.1"), IPAddress.Parse("fd00::53")], ["~.", "corp.example"]);
            Assert.Equal(["resolvectl dns stv0 10.2.0.1 fd00::53", "resolvectl domain stv0 ~. corp.example"], Calls());
            return changes.Undo();
        });

        Assert.True(report.Succeeded, report.ToString());
        Assert.Equal("undid systemd-resolved DNS of stv0", Assert.Single(report.Outcomes).ToString());
        Assert.Equal("resolvectl revert stv0", Calls()[^1]);
    }

    [Fact]
    public void Undo_ResolvedLinkGone_IsAlreadyGoneWithoutRunningResolvectl()
    {
        var resolvectl = FakeTool("resolvectl");
        _ns.Ip("link add stv0 type veth peer name stv0peer");

        var report = _ns.RunInside(() =>
        {
            using var changes = HostChanges.Open(_journals.Path);
            changes.SetResolvedLinkDns(resolvectl, "stv0", [IPAddress.Parse("10.2.0.1")], []);
            _ns.Ip("link del stv0");
            return changes.Undo();
        });

        Assert.Equal(UndoResult.AlreadyGone, Assert.Single(report.Outcomes).Result);
        Assert.Equal(["resolvectl dns stv0 10.2.0.1"], Calls());
    }
}
