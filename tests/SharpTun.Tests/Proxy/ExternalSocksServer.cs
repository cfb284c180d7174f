using System.Net;
using SharpTun.Proxy;

namespace SharpTun.Tests.Proxy;

/// <summary>
/// A real SOCKS5 server (microsocks or dante's danted from Debian) on 127.0.0.1 at a free port,
/// for interoperability tests. Started in the constructor and ready to accept when it returns;
/// disposing kills it and its children and deletes its temporary files.
/// </summary>
internal sealed class ExternalSocksServer : IDisposable
{
    private readonly TestProcess _process;
    private readonly string? _directory;

    private ExternalSocksServer(string program, string package, Func<int, string[]> arguments, string? directory)
    {
        _directory = directory;
        Port = ProxyTestSupport.FreeTcpPort();
        try
        {
            _process = new TestProcess(program, package, arguments(Port), Port);
        }
        catch
        {
            DeleteDirectory();
            throw;
        }
    }

    public int Port { get; }

    public ProxyDestination Destination => ProxyDestination.FromAddress(IPAddress.Loopback, Port);

    /// <summary>What the server printed, for failure messages.</summary>
    public string Output => _process.Output;

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
        _process.Dispose();
        DeleteDirectory();
    }

    private void DeleteDirectory()
    {
        if (_directory is not null)
            Directory.Delete(_directory, recursive: true);
    }
}
