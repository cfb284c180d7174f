using SharpTun.Cli;

namespace SharpTun.EndToEnd;

/// <summary>The resolv.conf 'exec' gives its namespace (a pure function of the host's; no namespace needed).</summary>
public sealed class HostResolversTests : IDisposable
{
    private readonly string _path = Path.Combine(Path.GetTempPath(), $"resolv-{Guid.NewGuid():N}.conf");

    public void Dispose() => File.Delete(_path);

    [Fact]
    public void ResolvConf_LoopbackNameServers_AreDroppedAndTheRestKept()
    {
        File.WriteAllText(_path, "search corp.example\nnameserver 127.0.0.53\nnameserver 10.255.255.53\nnameserver ::1\noptions edns0\n");
        Assert.Equal("search corp.example\nnameserver 10.255.255.53\noptions edns0\n", HostResolvers.ResolvConf(_path));
    }

    [Fact]
    public void ResolvConf_OnlyLoopback_SaysSoInAComment()
    {
        File.WriteAllText(_path, "nameserver 127.0.0.53\n");
        var conf = HostResolvers.ResolvConf(_path);
        Assert.StartsWith("# sharptun:", conf);
        Assert.DoesNotContain("nameserver", conf.Split('\n')[1..].FirstOrDefault() ?? "");
    }

    [Fact]
    public void ResolvConf_MissingFile_GivesCommentOnly() =>
        Assert.StartsWith("# sharptun:", HostResolvers.ResolvConf(_path));
}
