using SharpTun.Cli;

namespace SharpTun.EndToEnd.Config;

/// <summary>Console output is process-wide: tests that capture it do not run beside each other.</summary>
[CollectionDefinition(nameof(ConsoleCapture), DisableParallelization = true)]
public sealed class ConsoleCapture;

/// <summary><c>sharptun check --config FILE</c> through <see cref="CommandLineApp.Run"/>: exit codes and what it prints.</summary>
[Collection(nameof(ConsoleCapture))]
public sealed class CheckCommandTests : IDisposable
{
    private readonly ConfigurationFiles _files = new();

    public void Dispose() => _files.Dispose();

    [Fact]
    public void Check_Example_PrintsTheSummaryAndExits0()
    {
        var (exitCode, output, errors) = Run("check", "--config", ConfigurationFiles.ExamplePath);

        Assert.True(exitCode == ExitCodes.Success, errors);
        Assert.Equal("", errors);
        Assert.Equal(
            $"""
            {ConfigurationFiles.ExamplePath}: ok
              device: sharptun0 (mtu 65535, 2 queues)
              addresses: 198.19.0.1/16, fdfe:dcba:9876::1/112
              routes: 10.0.0.0/8
              outbounds: proxy-a socks5://user:***@192.0.2.1:1080, corp http://proxy.corp.example.com:3128
              rules: 9 (2 RULE-SET), ending with MATCH,proxy-a
              dns: fake-ip 198.18.0.0/16 fc00::/18, upstreams system, tls://1.1.1.1#cloudflare-dns.com, https://8.8.8.8/dns-query#dns.google via proxy-a

            """.ReplaceLineEndings("\n"),
            output);
    }

    [Fact]
    public void Check_EmptyFile_ShowsTheDefaults()
    {
        var path = _files.Write("empty.yaml", "");

        var (exitCode, output, _) = Run("check", "-c", path);

        Assert.Equal(ExitCodes.Success, exitCode);
        Assert.Contains("addresses: 198.19.0.1/16 (default), fdfe:dcba:9876::1/112 (default)\n", output);
        Assert.Contains("outbounds: none (every flow goes DIRECT)\n", output);
    }

    [Fact]
    public void Check_BrokenFile_PrintsEveryErrorAndExits2()
    {
        var path = _files.Write("broken.yaml", "tun:\n  mtu: 70000\nrules:\n  - MATCH,nowhere\n");

        var (exitCode, output, errors) = Run("check", "--config", path);

        Assert.Equal(ExitCodes.UsageError, exitCode);
        Assert.Equal("", output);
        Assert.Equal(
            $"""
            sharptun: {path}:2: tun.mtu 70000 is out of range (1280-65535)
            sharptun: {path}:4: bad rule 'MATCH,nowhere': unknown target 'nowhere' (outbounds: DIRECT, REJECT)
            sharptun: check: {path} refused (2 errors; see docs/configuration.md)

            """.ReplaceLineEndings("\n"),
            errors.ReplaceLineEndings("\n"));
    }

    [Fact]
    public void Check_MissingFile_Exits2()
    {
        var path = Path.Combine(_files.Directory, "absent.yaml");

        var (exitCode, _, errors) = Run("check", "--config", path);

        Assert.Equal(ExitCodes.UsageError, exitCode);
        Assert.Contains($"sharptun: {path}: cannot read the configuration file: no such file or directory", errors);
    }

    [Theory]
    [InlineData("check")]
    [InlineData("run")]
    public void WithoutConfig_IsAUsageError(string command)
    {
        var (exitCode, _, errors) = Run(command);

        Assert.Equal(ExitCodes.UsageError, exitCode);
        Assert.Contains("--config", errors);
    }

    [Fact]
    public void Run_BrokenFile_Exits2BeforeTouchingTheHost()
    {
        // No root needed and no device made: the file is refused first.
        var path = _files.Write("broken.yaml", "tun:\n  device: \"bad name\"\n");

        var (exitCode, _, errors) = Run("run", "--config", path);

        Assert.Equal(ExitCodes.UsageError, exitCode);
        Assert.Contains($"sharptun: run: {path} refused (1 error", errors);
    }

    private static (int ExitCode, string Output, string Errors) Run(params string[] args)
    {
        var (output, errors) = (new StringWriter(), new StringWriter());
        var (savedOut, savedError) = (Console.Out, Console.Error);
        Console.SetOut(output);
        Console.SetError(errors);
        try
        {
            return (CommandLineApp.Run(args), output.ToString(), errors.ToString());
        }
        finally
        {
            Console.SetOut(savedOut);
            Console.SetError(savedError);
        }
    }
}
