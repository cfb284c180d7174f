using SharpTun.TestSupport;

namespace SharpTun.EndToEnd;

/// <summary>
/// <c>sharptun cleanup</c> after a process that changed the host was killed with SIGKILL: the
/// namespace it changed must look exactly as before.
/// </summary>
public sealed class CleanupCommandTests : IDisposable
{
    private readonly TestNamespace _ns = TestNamespace.Create("st-clean");
    private readonly JournalTestDirectory _journals = new();

    public void Dispose()
    {
        _ns.Dispose();
        _journals.Dispose();
    }

    [Fact]
    public async Task Cleanup_AfterProbeKilled_RestoresRulesRoutesAndLinks()
    {
        var before = NamespaceSnapshot.Take(_ns);
        using (var probe = _ns.Start(HostChangeProbe.DotnetHost(), [HostChangeProbe.PathFor(GetType().Assembly), "--journal-dir", _journals.Path]))
        {
            try
            {
                var line = await probe.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(60));
                Assert.True(line == "ready", $"probe said '{line}' instead of 'ready'");
                Assert.NotEqual(before, NamespaceSnapshot.Take(_ns));
            }
            finally
            {
                probe.Kill(); // SIGKILL: the probe gets no chance to undo
                probe.WaitForExit();
            }
        }
        Assert.Single(_journals.Journals());

        var cleanup = SharptunProcess.Run("cleanup", "--journal-dir", _journals.Path);

        Assert.True(cleanup.ExitCode == 0, cleanup.ToString());
        Assert.Contains(_ns.Name, cleanup.StandardError);
        Assert.Equal(before, NamespaceSnapshot.Take(_ns));
        Assert.Empty(_journals.Journals());

        var again = SharptunProcess.Run("cleanup", "--journal-dir", _journals.Path);
        Assert.Equal(0, again.ExitCode);
        Assert.Contains("nothing to clean up", again.StandardError);
    }
}
