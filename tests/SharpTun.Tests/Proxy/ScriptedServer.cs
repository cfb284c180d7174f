using System.Net;
using System.Net.Sockets;
using SharpTun.Proxy;

namespace SharpTun.Tests.Proxy;

/// <summary>One step a <see cref="ScriptedServer"/> plays on the accepted connection.</summary>
internal delegate Task ScriptStep(Socket socket, ScriptedServer server, CancellationToken ct);

/// <summary>
/// A fake proxy on 127.0.0.1: accepts one connection and plays a script (expect N bytes, send
/// bytes, echo, close, reset, hold). Everything it read is in <see cref="Received"/>. The whole
/// script is bounded by 10 s; disposing stops it and closes every socket.
/// </summary>
internal sealed class ScriptedServer : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new(TimeSpan.FromSeconds(10));
    private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly MemoryStream _received = new();
    private readonly Task _run;
    private Socket? _accepted;

    private ScriptedServer(ScriptStep[] steps)
    {
        _listener.Start(1);
        _run = RunAsync(steps);
    }

    public static ScriptedServer Start(params ScriptStep[] steps) => new(steps);

    public IPEndPoint EndPoint => (IPEndPoint)_listener.LocalEndpoint;

    public ProxyDestination Destination => ProxyDestination.FromEndPoint(EndPoint);

    /// <summary>Every byte the script read, in order.</summary>
    public byte[] Received
    {
        get
        {
            lock (_received)
                return _received.ToArray();
        }
    }

    /// <summary>Waits (bounded) until the script has played to its end.</summary>
    public Task Completion => _run.WaitAsync(TimeSpan.FromSeconds(10));

    /// <summary>Lets a <see cref="Script.Hold"/> step finish.</summary>
    public void Release() => _release.TrySetResult();

    private void Record(ReadOnlySpan<byte> bytes)
    {
        lock (_received)
            _received.Write(bytes);
    }

    private async Task RunAsync(ScriptStep[] steps)
    {
        try
        {
            _accepted = await _listener.AcceptSocketAsync(_stop.Token);
            foreach (var step in steps)
                await step(_accepted, this, _stop.Token);
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // Stopped by Dispose or the 10 s limit, or the client went away: the test's assertions decide.
        }
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _release.TrySetResult();
        _listener.Stop();
        _accepted?.Dispose();
        await _run;
        _stop.Dispose();
    }

    /// <summary>The steps.</summary>
    internal static class Script
    {
        /// <summary>Reads exactly <paramref name="count"/> bytes.</summary>
        public static ScriptStep Expect(int count) => async (socket, server, ct) =>
        {
            var buffer = new byte[count];
            var read = 0;
            while (read < count)
            {
                var n = await socket.ReceiveAsync(buffer.AsMemory(read), SocketFlags.None, ct);
                if (n == 0)
                    throw new SocketException((int)SocketError.ConnectionReset);
                read += n;
            }
            server.Record(buffer);
        };

        /// <summary>Reads until CRLF CRLF (an HTTP request head).</summary>
        public static ScriptStep ExpectHead() => async (socket, server, ct) =>
        {
            var head = new List<byte>();
            var one = new byte[1];
            while (head.Count < 4 || !head.TakeLast(4).SequenceEqual("\r\n\r\n"u8.ToArray()))
            {
                if (await socket.ReceiveAsync(one, SocketFlags.None, ct) == 0)
                    throw new SocketException((int)SocketError.ConnectionReset);
                head.Add(one[0]);
            }
            server.Record(head.ToArray());
        };

        public static ScriptStep Send(params byte[] bytes) => async (socket, _, ct) =>
        {
            if (bytes.Length > 0)
                await socket.SendAsync(bytes, SocketFlags.None, ct);
        };

        public static ScriptStep Send(string ascii) => Send(System.Text.Encoding.ASCII.GetBytes(ascii));

        /// <summary>Echoes until the client finishes sending, then finishes too.</summary>
        public static ScriptStep Echo() => async (socket, _, ct) =>
        {
            var buffer = new byte[4096];
            int n;
            while ((n = await socket.ReceiveAsync(buffer, SocketFlags.None, ct)) > 0)
                await socket.SendAsync(buffer.AsMemory(0, n), SocketFlags.None, ct);
            socket.Shutdown(SocketShutdown.Send);
        };

        public static ScriptStep Close() => (socket, _, _) =>
        {
            socket.Close();
            return Task.CompletedTask;
        };

        /// <summary>Closes with RST.</summary>
        public static ScriptStep Reset() => (socket, _, _) =>
        {
            socket.LingerState = new LingerOption(true, 0);
            socket.Close();
            return Task.CompletedTask;
        };

        /// <summary>Waits until the test calls <see cref="Release"/> (or the script is stopped).</summary>
        public static ScriptStep Hold() => (_, server, ct) => server._release.Task.WaitAsync(ct);
    }
}
