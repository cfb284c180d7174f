using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using SharpTun.TestSupport;

namespace SharpTun.Tests;

/// <summary>
/// A server program started for a test (dnsmasq, nginx, microsocks, danted), ready when the constructor returns and
/// killed with its children on dispose, its output kept for failure messages.
/// </summary>
internal sealed class TestProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    /// <summary>Starts <paramref name="program"/> and waits until something accepts TCP on 127.0.0.1:<paramref name="tcpPort"/>.</summary>
    public TestProcess(string program, string package, IEnumerable<string> arguments, int tcpPort)
    {
        var path = Find(program)
            ?? throw new InvalidOperationException($"{program} is not installed; these tests need the Debian package '{package}' (apt-get install -y {package})");
        _process = Run.Start(path, arguments);
        _process.OutputDataReceived += (_, e) => Append(e.Data);
        _process.ErrorDataReceived += (_, e) => Append(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        try
        {
            WaitUntilListening(tcpPort);
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>What the program printed.</summary>
    public string Output
    {
        get
        {
            lock (_output)
                return _output.ToString();
        }
    }

    /// <summary>A port that was free for both TCP and UDP on 127.0.0.1 a moment ago.</summary>
    public static int FreePort()
    {
        while (true)
        {
            using var tcp = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            tcp.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            int port = ((IPEndPoint)tcp.LocalEndPoint!).Port;
            using var udp = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            try
            {
                udp.Bind(new IPEndPoint(IPAddress.Loopback, port));
                return port;
            }
            catch (SocketException)
            {
                // Taken for UDP; try another.
            }
        }
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
    }

    private void Append(string? line)
    {
        if (line is null)
            return;
        lock (_output)
            _output.AppendLine(line);
    }

    private void WaitUntilListening(int port)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(10))
        {
            if (_process.HasExited)
                throw new InvalidOperationException($"{_process.StartInfo.FileName} exited with {_process.ExitCode}:\n{Output}");
            using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                probe.Connect(IPAddress.Loopback, port);
                return;
            }
            catch (SocketException)
            {
                Thread.Sleep(50);
            }
        }
        throw new TimeoutException($"{_process.StartInfo.FileName} did not listen on 127.0.0.1:{port} within 10 s:\n{Output}");
    }

    /// <summary>The program on PATH, or in the sbin and bin directories PATH may lack under sudo.</summary>
    private static string? Find(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Concat(["/usr/sbin", "/usr/bin", "/sbin", "/bin"])
            .Select(directory => Path.Combine(directory, program))
            .FirstOrDefault(File.Exists);
}
