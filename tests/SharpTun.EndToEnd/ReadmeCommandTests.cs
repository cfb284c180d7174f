using SharpTun.TestSupport;

namespace SharpTun.EndToEnd;

/// <summary>
/// The README's first command, through the repository's <c>./sharptun</c> script (which builds the
/// native executable on first use), against a server in the testbed's remote namespace.
/// </summary>
public sealed class ReadmeCommandTests : IDisposable
{
    private readonly ProxyTestbed _bed = new();

    public void Dispose() => _bed.Dispose();

    [Fact]
    public void SharptunScript_ExecCurl_BuildsAndFetchesThePage()
    {
        _bed.StartHttpServer();
        var script = Path.Combine(RepositoryRoot(), "sharptun");

        var run = _bed.Client.Exec(script, ["exec", "--", "curl", "-sS", "-m", "10", $"http://{ProxyTestbed.RemoteV4}:8080/"],
            TimeSpan.FromMinutes(5));

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal("hello from remote", run.StandardOutput);
        Assert.Contains("curl exited with 0; 1 tcp connection proxied", run.StandardError);
        Assert.DoesNotContain("native build failed", run.StandardError); // CI installs the toolchain
    }

    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "SharpTun.slnx")))
                return directory.FullName;
        }
        throw new InvalidOperationException($"no SharpTun.slnx above {AppContext.BaseDirectory}");
    }
}
