using System.Net;
using System.Net.Sockets;

namespace SharpTun.Stack.Proxy;

/// <summary>
/// The listening sockets the kernel's TCP hands accepted flows to: one per family, on the TUN's own
/// addresses (never on a wildcard address, so nothing outside the TUN can reach them), sharing one
/// port because the NAT rewrites every flow to the same listener port. Create them on a thread in
/// the TUN's network namespace: a socket belongs to the namespace it was created in.
/// </summary>
public sealed class NatListeners : IDisposable
{
    private const int Backlog = 4096;

    private NatListeners(IReadOnlyList<Socket> sockets, ushort port)
    {
        Sockets = sockets;
        Port = port;
    }

    public IReadOnlyList<Socket> Sockets { get; }

    public ushort Port { get; }

    /// <summary>Binds a listener on each address, all on one kernel-chosen port.</summary>
    public static NatListeners Bind(IPAddress ipv4, IPAddress? ipv6)
    {
        // The v4 listener picks a free port; the v6 one can find it taken, so try a few times.
        for (var attempt = 0; ; attempt++)
        {
            var first = Listen(ipv4, 0);
            var port = (ushort)((IPEndPoint)first.LocalEndPoint!).Port;
            if (ipv6 is null)
                return new NatListeners([first], port);
            try
            {
                return new NatListeners([first, Listen(ipv6, port)], port);
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.AddressAlreadyInUse && attempt < 16)
            {
                first.Dispose();
            }
            catch
            {
                first.Dispose();
                throw;
            }
        }
    }

    private static Socket Listen(IPAddress address, int port)
    {
        var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            socket.Bind(new IPEndPoint(address, port));
            socket.Listen(Backlog);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        foreach (var socket in Sockets)
            socket.Dispose();
    }
}
