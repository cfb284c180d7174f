using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using SharpTun.Proxy;
using SharpTun.TestSupport;

namespace SharpTun.Tests.Proxy;

/// <summary>
/// A real SOCKS5 server (microsocks or dante's danted from Debian) on 127.0.0.1 at a free port,
/// for interoperability tests. Started in the constructor and ready to accept when it returns;
/// disposing kills it and its children and deletes its temporary files.
/// </summary>
internal sealed class ExternalSocksServer : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly string? _directory;

    private ExternalSocksServer(string program, string package, Func<int, string[]> arguments, string? directory)
    {
        _directory = directory;
        var path = Find(program) ?? throw new InvalidOperationException($"{program} is not installed; these tests need the Debian package '{package}' (apt-get install -y {package})");
        Port = ProxyTestSupport.FreeTcpPort();
        _process = Run.Start(path, arguments(Port));
        _process.OutputDataReceived += (_, e) => Append(e.Data);
        _process.ErrorDataReceived += (_, e) => Append(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        try
        {
            WaitUntilListening();
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public int Port { get; }

    public ProxyDestination Destination => ProxyDestination.FromAddress(IPAddress.Loopback, Port);

    /// <summary>What the server printed, for failure messages.</summary>
    public string Output
    {
        get
        {
            lock (_output)
                return _output.ToString();
        }
    }

    /// <summary>microsocks, optionally with username/password authentication.</summary>
    public static ExternalSocksServer Microsocks(string? user = null, string? password = null) =>
        new("microsocks", "microsocks", port => user is null
            ? ["-i", "127.0.0.1", "-p", port.ToString()]
            : ["-i", "127.0.0.1", "-p", port.ToString(), "-u", user, "-P", password!], null);

    /// <summary>danted in the foreground, no authentication, CONNECT and UDP ASSOCIATE allowed within 127.0.0.0/8.</summary>
    public static ExternalSocksServer Dante()
    {
        var directory = Directory.CreateTempSubdirectory("sharptun-dante-").FullName;
        return new("danted", "dante-server", port =>
        {
            var config = Path.Combine(directory, "danted.conf");
            File.WriteAllText(config, $$"""
                logoutput: stderr
                internal: 127.0.0.1 port = {{port}}
                external: lo
                clientmethod: none
                socksmethod: none
                user.privileged: root
                user.unprivileged: nobody
                client pass {
                    from: 127.0.0.0/8 to: 0.0.0.0/0
                }
                socks pass {
                    from: 127.0.0.0/8 to: 127.0.0.0/8
                    command: connect udpassociate udpreply
                }
                """);
            return ["-f", config, "-p", Path.Combine(directory, "danted.pid")];
        }, directory);
    }

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(5000);
            }
        }
        catch (InvalidOperationException)
        {
            // Exited between the check and the kill.
        }
        _process.Dispose();
        if (_directory is not null)
            Directory.Delete(_directory, recursive: true);
    }

    private void Append(string? line)
    {
        if (line is null)
            return;
        lock (_output)
            _output.AppendLine(line);
    }

    private void WaitUntilListening()
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(10))
        {
            if (_process.HasExited)
                throw new InvalidOperationException($"{_process.StartInfo.FileName} exited with {_process.ExitCode}:\n{Output}");
            using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                probe.Connect(IPAddress.Loopback, Port);
                return;
            }
            catch (SocketException)
            {
                Thread.Sleep(50);
            }
        }
        throw new TimeoutException($"{_process.StartInfo.FileName} did not listen on 127.0.0.1:{Port} within 10 s:\n{Output}");
    }

    private static string? Find(string program)
    {
        foreach (var directory in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Append("/usr/sbin").Append("/usr/bin"))
        {
            var path = Path.Combine(directory, program);
            if (File.Exists(path))
                return path;
        }
        return null;
    }
}
